--liquibase formatted sql

--changeset keyhub:catalog-1.5.0-product-changelog
-- The product's tenant changelog beside KeyHub's: its release in each tenant, template and spare, and which
-- changelog a migration job rolls out.
ALTER TABLE tenants ADD COLUMN product_version text;
ALTER TABLE db_servers ADD COLUMN template_product_version text;
ALTER TABLE spare_databases ADD COLUMN product_version text;
ALTER TABLE migration_jobs ADD COLUMN changelog text NOT NULL DEFAULT 'keyhub'
    CHECK (changelog IN ('keyhub', 'product'));
--rollback ALTER TABLE migration_jobs DROP COLUMN changelog;
--rollback ALTER TABLE spare_databases DROP COLUMN product_version;
--rollback ALTER TABLE db_servers DROP COLUMN template_product_version;
--rollback ALTER TABLE tenants DROP COLUMN product_version;
