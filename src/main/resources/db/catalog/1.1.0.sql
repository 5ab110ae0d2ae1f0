--liquibase formatted sql

--changeset keyhub:catalog-1.1.0-oauth-states
-- One row per browser login in flight: created by GET /auth/login, consumed once by GET /auth/callback.
-- The state itself is not stored, only its SHA-256, so the table cannot be used to complete someone's login.
CREATE TABLE oauth_states (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    state_hash text NOT NULL UNIQUE,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    code_verifier text NOT NULL,
    nonce text NOT NULL,
    return_to text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    consumed_at timestamptz
);
CREATE INDEX oauth_states_expires ON oauth_states (expires_at);
--rollback DROP TABLE oauth_states;

--changeset keyhub:catalog-1.1.0-organization-quota splitStatements:false
-- Each organization may hold at most max_tenants live tenants (not DELETED or FAILED). live_tenants is kept
-- by a trigger in the same transaction as every change to a tenant's status or organization, and the
-- increment only succeeds below the quota, so concurrent creations cannot overshoot it.
ALTER TABLE organizations
    ADD COLUMN max_tenants integer NOT NULL DEFAULT 100 CHECK (max_tenants >= 0),
    ADD COLUMN live_tenants integer NOT NULL DEFAULT 0 CHECK (live_tenants >= 0);

CREATE FUNCTION tenants_organization_quota() RETURNS trigger AS $$
DECLARE
    was_live boolean := TG_OP <> 'INSERT' AND OLD.organization_id IS NOT NULL AND OLD.status NOT IN ('DELETED', 'FAILED');
    is_live boolean := TG_OP <> 'DELETE' AND NEW.organization_id IS NOT NULL AND NEW.status NOT IN ('DELETED', 'FAILED');
    moved boolean := TG_OP = 'UPDATE' AND OLD.organization_id IS DISTINCT FROM NEW.organization_id;
BEGIN
    IF was_live AND (NOT is_live OR moved) THEN
        UPDATE organizations SET live_tenants = live_tenants - 1 WHERE id = OLD.organization_id;
    END IF;
    IF is_live AND (NOT was_live OR moved) THEN
        UPDATE organizations SET live_tenants = live_tenants + 1
        WHERE id = NEW.organization_id AND live_tenants < max_tenants;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'organization % has reached its tenant quota', NEW.organization_id USING ERRCODE = 'KH001';
        END IF;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenants_organization_quota BEFORE INSERT OR DELETE OR UPDATE OF status, organization_id ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_organization_quota();
--rollback DROP TRIGGER tenants_organization_quota ON tenants;
--rollback DROP FUNCTION tenants_organization_quota();
--rollback ALTER TABLE organizations DROP COLUMN live_tenants, DROP COLUMN max_tenants;
