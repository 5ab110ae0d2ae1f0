package dev.keyhub.tenancy;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.Detached;
import dev.keyhub.common.ProblemException;
import dev.keyhub.common.Slug;

/**
 * The tenant a request's host names: {@code <slug>.<base domain>} when {@code keyhub.tenancy.base-domain} is set, or a
 * custom domain the tenant has verified. Verified domains are cached per replica
 * ({@code quarkus.cache.caffeine."hosts"}), a host that names no tenant too; a tenant that verifies or removes a
 * domain drops the entry on the replica that served it, the others see it within the cache's lifetime.
 */
@ApplicationScoped
public class HostTenants {

    public static final String CACHE = "hosts";
    private static final Pattern SLUG = Pattern.compile(Slug.PATTERN);
    private static final Pattern IP = Pattern.compile("[0-9.]+|\\[.*\\]|.*:.*");

    private final Optional<String> base;
    private final Pool catalog;
    private final TenantDirectory directory;
    private final Cache cache;

    public HostTenants(TenancyConfig config, Pool catalog, TenantDirectory directory, @CacheName(CACHE) Cache cache) {
        this.base = config.baseDomain().map(HostTenants::name).filter(b -> !b.isEmpty());
        this.catalog = catalog;
        this.directory = directory;
        this.cache = cache;
    }

    /** The base domain tenants are reached under, lower case, if one is set. */
    public Optional<String> baseDomain() {
        return base;
    }

    /**
     * The tenant {@code host} (a Host header: name and optional port) names, or null when it names none: no host, an
     * address, a name without a dot, the base domain itself, or a custom domain no tenant has verified. Fails as a
     * path naming the slug would (404, 410) for a name under the base domain that is no live tenant's.
     */
    public Uni<TenantRef> of(String host) {
        String name = host == null ? null : name(host);
        if (name == null || name.indexOf('.') < 0 || IP.matcher(name).matches()) {
            return Uni.createFrom().nullItem();
        }
        if (base.isPresent()) {
            String b = base.get();
            if (name.equals(b)) {
                return Uni.createFrom().nullItem();
            }
            if (name.endsWith("." + b)) {
                String label = name.substring(0, name.length() - b.length() - 1);
                if (!SLUG.matcher(label).matches()) {
                    return Uni.createFrom().failure(ProblemException.notFound("tenant_not_found", "No tenant at this host."));
                }
                return directory.bySlug(label);
            }
        }
        return Detached.from(cache.getAsync(name, this::verifiedOwner))
                .chain(owner -> owner.isEmpty() ? Uni.createFrom().nullItem() : directory.liveById(owner.get()));
    }

    private Uni<Optional<UUID>> verifiedOwner(String domain) {
        return catalog.preparedQuery("SELECT tenant_id FROM tenant_domains WHERE domain = $1 AND verified_at IS NOT NULL")
                .execute(Tuple.of(domain))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("tenant_id")));
    }

    /** Drops what this replica cached about a domain, after it was verified or removed. */
    public Uni<Void> forget(String domain) {
        return cache.invalidate(domain);
    }

    /** A Host header's name: lower case, without port or trailing dot; null when empty. */
    static String name(String host) {
        String h = host.strip().toLowerCase(java.util.Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(':') == colon) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h.isEmpty() ? null : h;
    }
}
