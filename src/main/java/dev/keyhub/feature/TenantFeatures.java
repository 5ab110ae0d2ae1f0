package dev.keyhub.feature;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

import dev.keyhub.audit.Audit;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.schema.TenantChangelog;
import dev.keyhub.schema.TenantSchema;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantContext;

/**
 * The API that feature code inside KeyHub builds on (docs/EXTENDING.md). It resolves the request to one tenant and
 * caller, with everything the tenant APIs guarantee (404 for an unknown tenant, 403 for a token of another tenant,
 * a caller who is not a member, or a role too low, 403/410 for a suspended or deleted tenant), runs the work on
 * that tenant's pool (503 with {@code Retry-After} when no connection can be had in time), and refuses writes
 * while the tenant is frozen (503 {@code tenant_migrating}, {@code tenant_moving}, {@code tenant_restoring}).
 * Errors thrown as {@link dev.keyhub.common.ProblemException} become problem responses. A write commits
 * before the response, and the membership cache of every replica is told of it. Feature packages use this,
 * {@code dev.keyhub.common} and {@code tenancy.Role}, nothing else of KeyHub's (an architecture test checks it).
 */
@ApplicationScoped
public class TenantFeatures {

    private final TenantAccess access;
    private final TenantPools pools;
    private final Audit audit;
    private final List<String> productReleases;

    public TenantFeatures(TenantAccess access, TenantPools pools, Audit audit, TenantSchema schema) {
        this.access = access;
        this.pools = pools;
        this.audit = audit;
        this.productReleases = schema.product().map(TenantChangelog::tags).orElse(List.of());
    }

    /**
     * Runs {@code work} for a member (any role) of the tenant named by the path segment ({@code current} for the
     * token's tenant), on one connection, outside a transaction.
     */
    public <T> Uni<T> read(String pathTenant, Function<TenantWork, Uni<T>> work) {
        return access.resolve(pathTenant).chain(ctx -> pools.withConnection(ctx.tenant(),
                c -> work.apply(new TenantWork(ctx, c, audit, productReleases))));
    }

    /**
     * Runs {@code work} for a caller with at least the role {@code needed} in one transaction, committed when the
     * {@code Uni} succeeds and rolled back when it fails; refused while the tenant is frozen.
     */
    public <T> Uni<T> write(String pathTenant, Role needed, Function<TenantWork, Uni<T>> work) {
        return access.resolve(pathTenant).chain(ctx -> {
            writable(ctx).require(needed);
            return pools.withTransaction(ctx.tenant(), tx -> work.apply(new TenantWork(ctx, tx, audit, productReleases)));
        });
    }

    private static TenantContext writable(TenantContext ctx) {
        if (ctx.tenant().frozen() != null) {
            throw TenantAccess.frozen(ctx.tenant().frozen());
        }
        return ctx;
    }
}
