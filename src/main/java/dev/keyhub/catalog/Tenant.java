package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A tenant as the catalog records it: where its database lives and which state it is in. */
@Entity
@Table(name = "tenants")
public class Tenant {

    @Id
    public UUID id;
    public String slug;
    public String name;
    public TenantType type;
    @Enumerated(EnumType.STRING)
    public TenantStatus status;
    @Column(name = "organization_id")
    public UUID organizationId;
    @Column(name = "db_server_id")
    public String dbServerId;
    @Column(name = "database_name")
    public String databaseName;
    @Column(name = "schema_version")
    public String schemaVersion;
    /** The product changelog's release, null without one. */
    @Column(name = "product_version")
    public String productVersion;
    public String failure;
    @Column(name = "created_at")
    public OffsetDateTime createdAt;
    @Column(name = "updated_at")
    public OffsetDateTime updatedAt;
    @Column(name = "deleted_at")
    public OffsetDateTime deletedAt;
    @Column(name = "purge_after")
    public OffsetDateTime purgeAfter;
    @Column(name = "purged_at")
    public OffsetDateTime purgedAt;
    @Enumerated(EnumType.STRING)
    @Column(name = "frozen_for")
    public Freeze frozenFor;

    public TenantRef ref() {
        return new TenantRef(id, slug, status, dbServerId, databaseName, schemaVersion, productVersion, frozenFor);
    }
}
