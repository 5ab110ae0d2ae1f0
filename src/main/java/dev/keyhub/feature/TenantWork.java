package dev.keyhub.feature;

import java.util.List;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantContext;

/**
 * One piece of feature work on one tenant's database, for one caller: the connection (inside the transaction for
 * a write), who the caller is there, and the tenant's audit log. Handed to the function given to
 * {@link TenantFeatures#read} or {@link TenantFeatures#write}; valid only until the {@code Uni} it returns ends.
 */
public final class TenantWork {

    private final TenantContext ctx;
    private final SqlClient sql;
    private final Audit audit;
    private final List<String> productReleases;

    TenantWork(TenantContext ctx, SqlClient sql, Audit audit, List<String> productReleases) {
        this.ctx = ctx;
        this.sql = sql;
        this.audit = audit;
        this.productReleases = productReleases;
    }

    /** The tenant database's connection: the tenant's own tables and the product's, nobody else's. */
    public SqlClient sql() {
        return sql;
    }

    public UUID tenantId() {
        return ctx.tenant().id();
    }

    /** The tenant's slug, for instance to build a {@code Location}. */
    public String tenantSlug() {
        return ctx.tenant().slug();
    }

    /** The caller's user id in this tenant's database ({@code users.id}). */
    public UUID userId() {
        return ctx.member().userId();
    }

    public Role role() {
        return ctx.role();
    }

    /**
     * Whether the tenant's database is at product release {@code release} or a later one. A release reaches the
     * tenants one by one while a migration job rolls it out, so code that uses what it added asks first.
     *
     * @throws IllegalArgumentException for a release the product changelog does not have
     */
    public boolean atProductRelease(String release) {
        int needed = productReleases.indexOf(release);
        if (needed < 0) {
            throw new IllegalArgumentException("no product release " + release + " in " + productReleases);
        }
        String at = ctx.tenant().productVersion();
        return at != null && productReleases.indexOf(at) >= needed;
    }

    /** 409 {@code release_required} unless the tenant's database is at product release {@code release} or later. */
    public void requireProductRelease(String release) {
        if (!atProductRelease(release)) {
            throw ProblemException.conflict("release_required", "This needs the tenant's data at release " + release
                    + "; it is at " + ctx.tenant().productVersion() + " until a migration job brings it there.");
        }
    }

    /** 403 {@code insufficient_role} unless the caller's role is at least {@code needed}. */
    public void require(Role needed) {
        ctx.require(needed);
    }

    /**
     * Records what the caller did in the tenant's audit log, in the same transaction as the change (on a read,
     * on its own).
     */
    public Uni<Void> audit(String action, String resourceType, Object resourceId, JsonObject details) {
        return audit.record(sql, ctx, action, resourceType, resourceId, details);
    }
}
