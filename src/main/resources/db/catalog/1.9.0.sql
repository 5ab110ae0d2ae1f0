--liquibase formatted sql

--changeset keyhub:catalog-1.9.0-tenant-domains
-- Domains a tenant claims: to be reached at (Host) once verified, and, with auto_join_role set, to let people whose
-- verified email is at the domain join. Many tenants may claim a domain; only one can have it verified, and a
-- verified domain is not given up by another tenant's claim. The token is what the tenant publishes in DNS.
CREATE TABLE tenant_domains (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    domain text NOT NULL CHECK (domain ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$'
        AND char_length(domain) <= 253),
    token text NOT NULL,
    verified_at timestamptz,
    auto_join_role text CHECK (auto_join_role IN ('member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, domain)
);
CREATE UNIQUE INDEX tenant_domains_verified ON tenant_domains (domain) WHERE verified_at IS NOT NULL;
--rollback DROP TABLE tenant_domains;
