package dev.keyhub.tenancy;

import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;

import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.common.Detached;
import dev.keyhub.common.ProblemException;

/**
 * Finds tenants in the catalog for the request path. Results are cached per replica for a short time
 * ({@code quarkus.cache.caffeine."tenants".expire-after-write}), by slug and by id; lifecycle changes invalidate them
 * at once on the replica that made them. A failed lookup is not cached. A request that goes away while a lookup is
 * pending does not cancel it for the others waiting on it ({@link Detached}).
 */
@ApplicationScoped
public class TenantDirectory {

    public static final String CACHE = "tenants";
    private static final java.util.regex.Pattern SLUG = java.util.regex.Pattern.compile(dev.keyhub.common.Slug.PATTERN);
    private final TenantRepository tenants;
    private final Cache cache;

    public TenantDirectory(TenantRepository tenants, @CacheName(CACHE) Cache cache) {
        this.tenants = tenants;
        this.cache = cache;
    }

    /**
     * The live tenant with this slug. Fails with 404 {@code tenant_not_found} when there is none, and with 410
     * {@code tenant_deleted} when the slug belonged to a tenant that was deleted.
     */
    public Uni<TenantRef> bySlug(String slug) {
        return Detached.from(cache.getAsync(slug, this::loadBySlug));
    }

    private Uni<TenantRef> loadBySlug(String slug) {
        return tenants.findLiveBySlug(slug).chain(found -> found.map(t -> Uni.createFrom().item(t.ref()))
                .orElseGet(() -> tenants.existsDeletedWithSlug(slug).map(deleted -> {
                    throw deleted
                            ? new ProblemException(410, "tenant_deleted", "Gone", "Tenant '" + slug + "' was deleted.")
                            : ProblemException.notFound("tenant_not_found", "No tenant '" + slug + "'.");
                })));
    }

    /**
     * The live tenant named by a slug or by an id (slugs are never UUID-shaped); 404 {@code tenant_not_found} for
     * anything else, and as {@link #bySlug} and {@link #liveById} otherwise.
     */
    public Uni<TenantRef> bySlugOrId(String slugOrId) {
        UUID id = dev.keyhub.common.Ids.parseOrNull(slugOrId);
        if (id != null) {
            return liveById(id);
        }
        if (slugOrId != null && SLUG.matcher(slugOrId).matches()) {
            return bySlug(slugOrId);
        }
        return Uni.createFrom().failure(ProblemException.notFound("tenant_not_found", "There is no such tenant."));
    }

    /** The live tenant with this id, for a token claim that names the tenant by id; 404 when there is none. */
    public Uni<TenantRef> liveById(UUID id) {
        return Detached.from(cache.getAsync(id, this::loadLiveById));
    }

    private Uni<TenantRef> loadLiveById(UUID id) {
        return tenants.liveRef(id).map(found -> found.orElseThrow(
                () -> ProblemException.notFound("tenant_not_found", "No tenant " + id + ".")));
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
