--liquibase formatted sql

--changeset keyhub-test:9.1.0-nickname
-- Takes a second, so that tests can watch a tenant while its task runs.
SELECT pg_sleep(1);
ALTER TABLE users ADD COLUMN nickname text;
--rollback ALTER TABLE users DROP COLUMN nickname;
