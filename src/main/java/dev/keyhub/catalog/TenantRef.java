package dev.keyhub.catalog;

import java.util.UUID;

/** The immutable part of a tenant that the request path needs; safe to cache. {@code frozen} is null unless frozen. */
public record TenantRef(UUID id, String slug, TenantStatus status, String dbServerId, String databaseName,
        String schemaVersion, Freeze frozen) {
}
