package dev.keyhub.catalog;

import java.util.UUID;

/**
 * The immutable part of a tenant that the request path needs; safe to cache. {@code productVersion} is null
 * without a product release, {@code frozen} null unless frozen.
 */
public record TenantRef(UUID id, String slug, TenantStatus status, String dbServerId, String databaseName,
        String schemaVersion, String productVersion, Freeze frozen) {
}
