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
