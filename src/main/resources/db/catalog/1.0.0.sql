--liquibase formatted sql

--changeset keyhub:catalog-1.0.0-organizations
CREATE TABLE organizations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    slug text NOT NULL UNIQUE,
    settings jsonb,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE organization_domains (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain text NOT NULL UNIQUE,
    is_verified boolean NOT NULL DEFAULT false,
    verified_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_domains_org ON organization_domains (organization_id);
--rollback DROP TABLE organization_domains;
--rollback DROP TABLE organizations;

--changeset keyhub:catalog-1.0.0-db-servers
CREATE TABLE db_servers (
    id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    host text,
    port integer CHECK (port BETWEEN 1 AND 65535),
    maintenance_db text NOT NULL DEFAULT 'postgres',
    uses_catalog_connection boolean NOT NULL DEFAULT false,
    region text NOT NULL DEFAULT 'default',
    capacity integer NOT NULL DEFAULT 1000 CHECK (capacity >= 0),
    credentials_ref text,
    template_database text NOT NULL DEFAULT 'keyhub_template',
    template_version text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'disabled')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (uses_catalog_connection OR (host IS NOT NULL AND port IS NOT NULL))
);
--rollback DROP TABLE db_servers;

--changeset keyhub:catalog-1.0.0-tenants
CREATE TABLE tenants (
    id uuid PRIMARY KEY,
    organization_id uuid REFERENCES organizations (id),
    slug text NOT NULL CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$'),
    name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    type text NOT NULL DEFAULT 'team' CHECK (type IN ('team', 'department', 'project', 'laboratory')),
    status text NOT NULL CHECK (status IN ('PROVISIONING', 'ACTIVE', 'SUSPENDED', 'DELETING', 'DELETED', 'FAILED')),
    db_server_id text NOT NULL REFERENCES db_servers (id),
    database_name text NOT NULL UNIQUE,
    schema_version text,
    failure text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    -- A deleted tenant's database is kept until purge_after, then dropped (purged_at).
    purge_after timestamptz,
    purged_at timestamptz,
    -- Set while a migration task changes this tenant's schema: the tenant refuses writes meanwhile.
    migrating boolean NOT NULL DEFAULT false,
    -- Set while the tenant's database is being copied to another server (the tenant is read-only meanwhile),
    -- and, after the switch, until the old copy is dropped.
    moving_to text REFERENCES db_servers (id),
    moving_from text REFERENCES db_servers (id)
);
-- A slug names one live tenant; deleted and failed tenants release theirs.
CREATE UNIQUE INDEX tenants_slug_live ON tenants (slug) WHERE status NOT IN ('DELETED', 'FAILED');
CREATE INDEX tenants_status_created ON tenants (status, created_at DESC);
CREATE INDEX tenants_server ON tenants (db_server_id);
--rollback DROP TABLE tenants;

--changeset keyhub:catalog-1.0.0-spare-databases
-- Tenant databases copied from the template ahead of demand. A spare's id becomes the id of the tenant that
-- claims it, so its database (kh_t_<id>) needs no rename. The row is written before the database exists.
CREATE TABLE spare_databases (
    id uuid PRIMARY KEY,
    db_server_id text NOT NULL REFERENCES db_servers (id),
    schema_version text,
    state text NOT NULL CHECK (state IN ('creating', 'ready')),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spare_databases_ready ON spare_databases (db_server_id, created_at) WHERE state = 'ready';
--rollback DROP TABLE spare_databases;

--changeset keyhub:catalog-1.0.0-join-code-index
-- Finds the tenant of a join code without scanning tenant databases: SHA-256 of the normalised code.
CREATE TABLE join_code_index (
    code_hash text PRIMARY KEY,
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX join_code_index_tenant ON join_code_index (tenant_id);
--rollback DROP TABLE join_code_index;

--changeset keyhub:catalog-1.0.0-platform-audit-log
-- Every platform-admin action: who, what, which tenant, outcome.
CREATE TABLE platform_audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    actor text NOT NULL,
    action text NOT NULL,
    tenant_id uuid,
    outcome text NOT NULL CHECK (outcome IN ('success', 'failure')),
    details jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX platform_audit_log_created ON platform_audit_log (created_at DESC, id DESC);
CREATE INDEX platform_audit_log_tenant ON platform_audit_log (tenant_id, created_at DESC);
--rollback DROP TABLE platform_audit_log;

--changeset keyhub:catalog-1.0.0-migrations
-- A migration job rolls the tenant changelog out to (or back on) many tenant databases, one task each.
CREATE TABLE migration_jobs (
    id uuid PRIMARY KEY,
    direction text NOT NULL CHECK (direction IN ('update', 'rollback')),
    target text NOT NULL,
    state text NOT NULL CHECK (state IN ('DRY_RUN', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'HALTED', 'CANCELLED')),
    paused_from text,
    dry_run_only boolean NOT NULL DEFAULT false,
    concurrency integer NOT NULL CHECK (concurrency BETWEEN 1 AND 64),
    canary integer NOT NULL CHECK (canary >= 0),
    current_wave integer NOT NULL DEFAULT 0,
    on_error text NOT NULL CHECK (on_error IN ('halt', 'continue')),
    max_failures integer NOT NULL CHECK (max_failures >= 0),
    selector jsonb,
    reason text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
CREATE INDEX migration_jobs_active ON migration_jobs (created_at) WHERE state IN ('DRY_RUN', 'RUNNING');
CREATE TABLE migration_tasks (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    job_id uuid NOT NULL REFERENCES migration_jobs (id) ON DELETE CASCADE,
    tenant_id uuid NOT NULL REFERENCES tenants (id),
    phase text NOT NULL CHECK (phase IN ('dry_run', 'apply')),
    wave integer NOT NULL,
    state text NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED')),
    from_version text,
    to_version text,
    error text,
    claimed_by text,
    claimed_at timestamptz,
    started_at timestamptz,
    finished_at timestamptz,
    UNIQUE (job_id, tenant_id, phase)
);
CREATE INDEX migration_tasks_claim ON migration_tasks (job_id, phase, wave) WHERE state = 'PENDING';
--rollback DROP TABLE migration_tasks;
--rollback DROP TABLE migration_jobs;

--changeset keyhub:catalog-1.0.0-idempotency
CREATE TABLE idempotency_keys (
    caller text NOT NULL,
    key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    response_status integer,
    response_body text,
    location text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
--rollback DROP TABLE idempotency_keys;

--changeset keyhub:catalog-1.0.0-updated-at splitStatements:false
CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at = now();
    RETURN NEW;
END;
$$;
CREATE TRIGGER organizations_updated_at BEFORE UPDATE ON organizations FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER db_servers_updated_at BEFORE UPDATE ON db_servers FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER tenants_updated_at BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE TRIGGER migration_jobs_updated_at BEFORE UPDATE ON migration_jobs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
--rollback DROP TRIGGER migration_jobs_updated_at ON migration_jobs;
--rollback DROP TRIGGER tenants_updated_at ON tenants;
--rollback DROP TRIGGER db_servers_updated_at ON db_servers;
--rollback DROP TRIGGER organizations_updated_at ON organizations;
--rollback DROP FUNCTION set_updated_at();
