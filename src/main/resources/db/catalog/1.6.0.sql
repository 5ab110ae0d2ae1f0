--liquibase formatted sql

--changeset keyhub:catalog-1.6.0-server-tls
-- How KeyHub secures its connections to each tenant server: libpq's sslmode, and the CA certificate (a PEM file
-- on every replica) that verifies the server. The catalog's own server follows keyhub.catalog.sslmode instead.
ALTER TABLE db_servers ADD COLUMN ssl_mode text NOT NULL DEFAULT 'disable'
    CHECK (ssl_mode IN ('disable', 'require', 'verify-ca', 'verify-full'));
ALTER TABLE db_servers ADD COLUMN ssl_root_cert text;
ALTER TABLE db_servers ADD CONSTRAINT db_servers_verify_needs_ca
    CHECK (ssl_mode NOT IN ('verify-ca', 'verify-full') OR ssl_root_cert IS NOT NULL);
--rollback ALTER TABLE db_servers DROP COLUMN ssl_root_cert;
--rollback ALTER TABLE db_servers DROP COLUMN ssl_mode;
