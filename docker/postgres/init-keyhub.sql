-- Runs once, when the compose PostgreSQL initialises an empty data directory (as the superuser "postgres").
-- KeyHub's own role: not a superuser, but CREATEDB, because tenant databases are created on this server.
-- Local try-out credentials only; a real deployment takes them from a secret.
CREATE ROLE keyhub LOGIN CREATEDB PASSWORD 'keyhub';
CREATE DATABASE keyhub OWNER keyhub;
