-- Runs once, when the compose PostgreSQL initialises an empty data directory (as the superuser "postgres").
-- KeyHub's own role: not a superuser, but CREATEDB and CREATEROLE, because tenant databases are created on this
-- server, each owned by a role of its own. Local try-out credentials only; a real deployment takes them from a
-- secret.
CREATE ROLE keyhub LOGIN CREATEDB CREATEROLE PASSWORD 'keyhub';
CREATE DATABASE keyhub OWNER keyhub;
-- No tenant role may open the server's shared databases; KeyHub revokes those it owns itself.
REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC;
