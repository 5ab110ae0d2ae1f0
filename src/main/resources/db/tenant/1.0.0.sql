--liquibase formatted sql

--changeset keyhub:tenant-1.0.0-updated-at-function splitStatements:false
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;
--rollback DROP FUNCTION set_updated_at();

--changeset keyhub:tenant-1.0.0-users
CREATE TABLE users (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
    name text CHECK (char_length(name) <= 200),
    icon text CHECK (char_length(icon) <= 2048),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_at ON users (created_at DESC);
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TABLE users;

--changeset keyhub:tenant-1.0.0-user-identities
-- provider is the token issuer, provider_sub its subject: together they name one person.
CREATE TABLE user_identities (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    provider text NOT NULL,
    provider_sub text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider, provider_sub)
);
CREATE INDEX user_identities_user ON user_identities (user_id);
CREATE TRIGGER user_identities_updated_at BEFORE UPDATE ON user_identities FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TABLE user_identities;

--changeset keyhub:tenant-1.0.0-memberships
-- The database is the tenant, so a user has at most one membership; leaving sets left_at.
CREATE TABLE memberships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    left_at timestamptz
);
CREATE INDEX memberships_active_role ON memberships (role) WHERE left_at IS NULL;
CREATE TRIGGER memberships_updated_at BEFORE UPDATE ON memberships FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TABLE memberships;

--changeset keyhub:tenant-1.0.0-sessions
-- Only a SHA-256 hash of the session token is stored.
CREATE TABLE sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash text NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    membership_id uuid REFERENCES memberships (id) ON DELETE SET NULL,
    revoked boolean NOT NULL DEFAULT false,
    expires_at timestamptz NOT NULL,
    last_accessed_at timestamptz,
    ip_address inet,
    user_agent text CHECK (char_length(user_agent) <= 1024),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_live_expiry ON sessions (expires_at) WHERE NOT revoked;
--rollback DROP TABLE sessions;

--changeset keyhub:tenant-1.0.0-join-codes
-- Only a SHA-256 hash of the code is stored; used_count can never pass max_uses (0 = unlimited).
CREATE TABLE join_codes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code_hash text NOT NULL UNIQUE,
    role text NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'viewer')),
    max_uses integer NOT NULL DEFAULT 0 CHECK (max_uses >= 0),
    used_count integer NOT NULL DEFAULT 0 CHECK (used_count >= 0),
    expires_at timestamptz,
    revoked_at timestamptz,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT join_codes_within_max CHECK (max_uses = 0 OR used_count <= max_uses)
);
CREATE INDEX join_codes_expiry ON join_codes (expires_at);
CREATE TRIGGER join_codes_updated_at BEFORE UPDATE ON join_codes FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TABLE join_codes;

--changeset keyhub:tenant-1.0.0-settings
CREATE TABLE settings (
    key text PRIMARY KEY CHECK (key ~ '^[a-z0-9][a-z0-9._-]{0,127}$'),
    value jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER settings_updated_at BEFORE UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TABLE settings;
