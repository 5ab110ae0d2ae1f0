package dev.keyhub.pools;

import java.util.UUID;

import io.smallrye.mutiny.Uni;

/**
 * Told of every transaction {@link TenantPools#withTransaction} committed on a tenant's database, before its
 * caller sees the result: for state kept outside that database which a write can make stale, such as cached
 * memberships. Implementations are CDI beans; a failure fails the request that wrote.
 */
public interface TenantWrites {

    Uni<Void> committed(UUID tenant);
}
