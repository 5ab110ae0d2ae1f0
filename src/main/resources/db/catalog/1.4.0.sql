--liquibase formatted sql

--changeset keyhub:catalog-1.4.0-freeze-reason
-- Why a tenant refuses writes (MIGRATION, MOVE, RESTORE), NULL when it does not: replaces the migrating flag,
-- which a move also set, so that clients were told of a migration while a tenant moved.
ALTER TABLE tenants ADD COLUMN frozen_for text CHECK (frozen_for IN ('MIGRATION', 'MOVE', 'RESTORE'));
UPDATE tenants SET frozen_for = CASE WHEN moving_to IS NOT NULL THEN 'MOVE' ELSE 'MIGRATION' END WHERE migrating;
ALTER TABLE tenants DROP COLUMN migrating;
--rollback ALTER TABLE tenants ADD COLUMN migrating boolean NOT NULL DEFAULT false;
--rollback UPDATE tenants SET migrating = true WHERE frozen_for IS NOT NULL;
--rollback ALTER TABLE tenants DROP COLUMN frozen_for;
