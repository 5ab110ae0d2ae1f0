--liquibase formatted sql

--changeset keyhub:catalog-1.10.0-support-sessions splitStatements:false
-- Read-only sessions a platform supporter opens in one tenant, with a reason, for at most an hour. Only the token's
-- SHA-256 is stored. A tenant that stops being active (suspended, deleted) ends its support sessions in the same
-- transaction.
CREATE TABLE support_sessions (
    id uuid PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash text NOT NULL UNIQUE,
    agent_issuer text NOT NULL,
    agent_subject text NOT NULL,
    reason text NOT NULL CHECK (char_length(reason) BETWEEN 3 AND 500),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    ended_at timestamptz,
    ended_by text,
    CHECK (expires_at > created_at AND expires_at <= created_at + interval '1 hour')
);
CREATE INDEX support_sessions_tenant ON support_sessions (tenant_id, created_at DESC);
CREATE INDEX support_sessions_created ON support_sessions (created_at DESC, id DESC);

CREATE FUNCTION tenants_end_support_sessions() RETURNS trigger AS $$
BEGIN
    UPDATE support_sessions SET ended_at = now(), ended_by = 'tenant ' || lower(NEW.status)
    WHERE tenant_id = NEW.id AND ended_at IS NULL;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER tenants_end_support_sessions AFTER UPDATE OF status ON tenants
    FOR EACH ROW WHEN (NEW.status <> 'ACTIVE' AND OLD.status = 'ACTIVE')
    EXECUTE FUNCTION tenants_end_support_sessions();
--rollback DROP TRIGGER tenants_end_support_sessions ON tenants;
--rollback DROP FUNCTION tenants_end_support_sessions();
--rollback DROP TABLE support_sessions;
