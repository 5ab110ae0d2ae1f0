package dev.keyhub.feature;

import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;

import dev.keyhub.audit.Audit;
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

    TenantWork(TenantContext ctx, SqlClient sql, Audit audit) {
        this.ctx = ctx;
        this.sql = sql;
        this.audit = audit;
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
