package dev.keyhub.tenancy;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.quarkus.cache.CacheResult;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.Freeze;
import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;

/**
 * Finds tenants in the catalog for the request path. Results are cached per replica for a short time
 * ({@code quarkus.cache.caffeine."tenants".expire-after-write}); lifecycle changes invalidate them at once
 * on the replica that made them.
 */
@ApplicationScoped
public class TenantDirectory {

    public static final String CACHE = "tenants";
    private final TenantRepository tenants;
    private final Pool catalog;
    private final Cache cache;

    public TenantDirectory(TenantRepository tenants, Pool catalog, @CacheName(CACHE) Cache cache) {
        this.tenants = tenants;
        this.catalog = catalog;
        this.cache = cache;
    }

    /**
     * The live tenant with this slug. Fails with 404 {@code tenant_not_found} when there is none, and with 410
     * {@code tenant_deleted} when the slug belonged to a tenant that was deleted.
     */
    @CacheResult(cacheName = CACHE)
    public Uni<TenantRef> bySlug(String slug) {
        return tenants.findLiveBySlug(slug).chain(found -> found.map(t -> Uni.createFrom().item(t.ref()))
                .orElseGet(() -> tenants.existsDeletedWithSlug(slug).map(deleted -> {
                    throw deleted
                            ? new ProblemException(410, "tenant_deleted", "Gone", "Tenant '" + slug + "' was deleted.")
                            : ProblemException.notFound("tenant_not_found", "No tenant '" + slug + "'.");
                })));
    }

    /** The live tenant with this id, for a token claim that names the tenant by id; 404 when there is none. */
    @CacheResult(cacheName = CACHE)
    public Uni<TenantRef> liveById(UUID id) {
        // Plain SQL rather than a Hibernate session: this also runs during authentication (session tokens).
        return catalog.preparedQuery("""
                SELECT id, slug, status, db_server_id, database_name, schema_version, frozen_for FROM tenants
                WHERE id = $1 AND status NOT IN ('DELETED', 'FAILED')""").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("tenant_not_found", "No tenant " + id + ".");
                    }
                    Row r = rows.iterator().next();
                    return new TenantRef(r.getUUID(0), r.getString(1), TenantStatus.valueOf(r.getString(2)),
                            r.getString(3), r.getString(4), r.getString(5),
                            r.getString(6) == null ? null : Freeze.valueOf(r.getString(6)));
                });
    }

    /** The tenant with this id, in whatever state; 404 {@code tenant_not_found} when there is none. */
    public Uni<Tenant> byId(UUID id) {
        return tenants.findOne(id).map(Optional::orElseThrow)
                .onFailure(java.util.NoSuchElementException.class)
                .transform(e -> ProblemException.notFound("tenant_not_found", "No tenant " + id + "."));
    }

    /** Drops what this replica cached about a tenant, after its state changed. */
    public Uni<Void> forget(String slug, UUID id) {
        return cache.invalidate(slug).chain(() -> cache.invalidate(id));
    }
}
