--liquibase formatted sql

--changeset keyhub-test:9.2.0-pause
-- Takes a second, so that tests can pause a job while its canary runs.
SELECT pg_sleep(1);
--rollback SELECT 1;

--changeset keyhub-test:9.2.0-unique-names
-- Fails on a tenant whose users share a name.
CREATE UNIQUE INDEX users_name_unique ON users (name);
--rollback DROP INDEX users_name_unique;
