--liquibase formatted sql

--changeset keyhub:catalog-1.7.0-restores
-- A restore over a tenant (frozen_for = 'RESTORE') builds the database restoring_into beside the tenant's own and
-- swaps the two; restore_heartbeat moves while it works, so that the recovery sweep can tell a restore whose
-- replica died (and drop what it left) from one still running.
ALTER TABLE tenants ADD COLUMN restoring_into text;
ALTER TABLE tenants ADD COLUMN restore_heartbeat timestamptz;
--rollback ALTER TABLE tenants DROP COLUMN restore_heartbeat;
--rollback ALTER TABLE tenants DROP COLUMN restoring_into;

--changeset keyhub:catalog-1.7.0-migration-backups
-- A migration job may archive each tenant before changing it; the task names the archive.
ALTER TABLE migration_jobs ADD COLUMN backup boolean NOT NULL DEFAULT false;
ALTER TABLE migration_tasks ADD COLUMN backup_archive text;
--rollback ALTER TABLE migration_tasks DROP COLUMN backup_archive;
--rollback ALTER TABLE migration_jobs DROP COLUMN backup;
