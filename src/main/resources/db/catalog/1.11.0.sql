--liquibase formatted sql

--changeset keyhub:catalog-1.11.0-organization-sync splitStatements:false
-- Keycloak Organizations mode: each tenant's organization in Keycloak follows the member index. A change of a
-- tenant's index rows marks the tenant dirty here in the same transaction (triggers below), so no change can be
-- lost between KeyHub and Keycloak; the sync job clears the mark only once Keycloak matches, and retries with a
-- growing delay while it does not. No foreign key: a tenant whose row is gone still has an organization to delete.
CREATE TABLE organization_sync (
    tenant_id uuid PRIMARY KEY,
    organization_id text,
    dirty_since timestamptz,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    synced_at timestamptz
);
CREATE INDEX organization_sync_due ON organization_sync (next_attempt_at) WHERE dirty_since IS NOT NULL;

CREATE FUNCTION member_index_mark_organization() RETURNS trigger AS $$
BEGIN
    INSERT INTO organization_sync (tenant_id, dirty_since)
    SELECT tenant_id, clock_timestamp() FROM (SELECT DISTINCT tenant_id FROM changed) touched
    ON CONFLICT (tenant_id) DO UPDATE SET dirty_since = excluded.dirty_since,
        next_attempt_at = least(organization_sync.next_attempt_at, now());
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER member_index_inserted AFTER INSERT ON member_index REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION member_index_mark_organization();
CREATE TRIGGER member_index_updated AFTER UPDATE ON member_index REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION member_index_mark_organization();
CREATE TRIGGER member_index_deleted AFTER DELETE ON member_index REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION member_index_mark_organization();
-- Every tenant that already has members gets its organization.
INSERT INTO organization_sync (tenant_id, dirty_since) SELECT DISTINCT tenant_id, now() FROM member_index;
--rollback DROP TRIGGER member_index_deleted ON member_index;
--rollback DROP TRIGGER member_index_updated ON member_index;
--rollback DROP TRIGGER member_index_inserted ON member_index;
--rollback DROP FUNCTION member_index_mark_organization();
--rollback DROP TABLE organization_sync;
