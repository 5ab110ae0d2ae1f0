--liquibase formatted sql

--changeset keyhub-example:projects-1.1-task-done
-- A task can be marked done. Code that uses the column asks for this release first (TenantWork.atProductRelease),
-- since tenants reach it one by one while a migration job rolls it out.
ALTER TABLE tasks ADD COLUMN done boolean NOT NULL DEFAULT false;
--rollback ALTER TABLE tasks DROP COLUMN done;
