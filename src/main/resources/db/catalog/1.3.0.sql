--liquibase formatted sql

--changeset keyhub:catalog-1.3.0-server-connection-budget
-- A server's own connection budget for the tenant pools of each replica; NULL: derived from the server's
-- max_connections (or keyhub.pools.connection-budget when set).
ALTER TABLE db_servers ADD COLUMN connection_budget integer CHECK (connection_budget > 0);
--rollback ALTER TABLE db_servers DROP COLUMN connection_budget;
