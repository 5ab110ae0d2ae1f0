--liquibase formatted sql

--changeset keyhub:catalog-1.8.0-member-index splitStatements:false
-- Which tenants each identity (issuer, subject) belongs to, with its role: "my tenants" in one query, without
-- opening any tenant database. A copy of what the tenant databases hold, kept by every membership change.
CREATE TABLE member_index (
    issuer text NOT NULL,
    subject text NOT NULL,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject, tenant_id)
);
CREATE INDEX member_index_tenant_user ON member_index (tenant_id, user_id);
-- A membership change in flight: written before the tenant's transaction, removed once the index follows it.
-- With user_id set, that user's row is hidden meanwhile (they are leaving or being removed). A row left behind
-- by a crash is found by the recovery sweep, which copies the tenant's memberships into the index again.
CREATE TABLE member_index_pending (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_index_pending_tenant ON member_index_pending (tenant_id, user_id);
CREATE INDEX member_index_pending_created ON member_index_pending (created_at);
-- A purged tenant (its database dropped for good) leaves the index in the same transaction, whichever path purged it.
CREATE FUNCTION tenants_purge_member_index() RETURNS trigger AS $$
BEGIN
    DELETE FROM member_index WHERE tenant_id = NEW.id;
    DELETE FROM member_index_pending WHERE tenant_id = NEW.id;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenants_purge_member_index AFTER UPDATE OF purged_at ON tenants
    FOR EACH ROW WHEN (NEW.purged_at IS NOT NULL AND OLD.purged_at IS NULL)
    EXECUTE FUNCTION tenants_purge_member_index();
-- Tenants that exist before this release are indexed by the sweep.
INSERT INTO member_index_pending (id, tenant_id, created_at)
SELECT gen_random_uuid(), id, '-infinity' FROM tenants WHERE status IN ('ACTIVE', 'SUSPENDED');
--rollback DROP TRIGGER tenants_purge_member_index ON tenants;
--rollback DROP FUNCTION tenants_purge_member_index();
--rollback DROP TABLE member_index_pending;
--rollback DROP TABLE member_index;
