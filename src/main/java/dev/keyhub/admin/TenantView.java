package dev.keyhub.admin;

import java.time.OffsetDateTime;
import java.util.UUID;

import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.catalog.TenantType;

/** A tenant as platform admins see it. */
public record TenantView(UUID id, String slug, String name, TenantType type, TenantStatus status, String server,
        String databaseName, String schemaVersion, String productVersion, OffsetDateTime createdAt, OffsetDateTime updatedAt,
        OffsetDateTime deletedAt, OffsetDateTime purgeAfter, OffsetDateTime purgedAt) {

    static TenantView of(Tenant t) {
        return new TenantView(t.id, t.slug, t.name, t.type, t.status, t.dbServerId, t.databaseName, t.schemaVersion,
                t.productVersion, t.createdAt, t.updatedAt, t.deletedAt, t.purgeAfter, t.purgedAt);
    }
}
