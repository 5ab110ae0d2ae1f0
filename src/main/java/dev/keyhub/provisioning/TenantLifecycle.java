package dev.keyhub.provisioning;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.keyhub.catalog.ServerStore;
import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.schema.TenantChangelog;
import dev.keyhub.schema.TenantSchema;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Suspending, resuming and deleting tenants, and looking at them from outside: stats and fleet health.
 * <p>
 * Deleting is soft by default: the tenant becomes DELETED at once (its API answers 410, its slug is free),
 * its database is kept for {@code keyhub.provisioning.delete-grace} and then dropped by
 * {@link ProvisioningRecovery}; {@code purge} drops it now. A state change invalidates this replica's cached
 * lookups at once; other replicas see it within the cache's TTL.
 */
@ApplicationScoped
public class TenantLifecycle {

    private final TenantRepository tenants;
    private final TenantDirectory directory;
    private final TenantPools pools;
    private final DbServers servers;
    private final ServerStore serverStore;
    private final DatabaseAdmin databases;
    private final dev.keyhub.schema.TenantSchema tenantSchema;
    private final Duration grace;
    private final int healthConcurrency;
    private final Duration healthTimeout;

    public TenantLifecycle(TenantRepository tenants, TenantDirectory directory, TenantPools pools, DbServers servers, ServerStore serverStore,
            DatabaseAdmin databases, TenantSchema tenantSchema, ProvisioningConfig config) {
        this.tenants = tenants;
        this.directory = directory;
        this.pools = pools;
        this.servers = servers;
        this.serverStore = serverStore;
        this.databases = databases;
        this.tenantSchema = tenantSchema;
        this.grace = config.deleteGrace();
        this.healthConcurrency = config.healthConcurrency();
        this.healthTimeout = config.healthTimeout();
    }

    /** ACTIVE → SUSPENDED; suspending a suspended tenant does nothing; 409 {@code invalid_state} otherwise. */
    public Uni<Tenant> suspend(UUID id) {
        return transition(id, TenantStatus.ACTIVE, TenantStatus.SUSPENDED);
    }

    /** SUSPENDED → ACTIVE; resuming an active tenant does nothing; 409 {@code invalid_state} otherwise. */
    public Uni<Tenant> resume(UUID id) {
        return transition(id, TenantStatus.SUSPENDED, TenantStatus.ACTIVE);
    }

    private Uni<Tenant> transition(UUID id, TenantStatus from, TenantStatus to) {
        return tenants.transition(id, from, to)
                .chain(changed -> directory.byId(id).call(t -> {
                    if (!changed && t.status != to) {
                        throw ProblemException.conflict("invalid_state",
                                "A tenant that is " + t.status + " cannot become " + to + ".");
                    }
                    // The role refuses logins while the tenant is suspended; the sweep repeats this after a crash.
                    return directory.forget(t.slug, id).chain(() -> to == TenantStatus.SUSPENDED ? pools.evict(id)
                            : Uni.createFrom().voidItem())
                            .chain(() -> allowLogin(t, to == TenantStatus.ACTIVE));
                }));
    }

    private Uni<Void> allowLogin(Tenant tenant, boolean login) {
        return servers.address(tenant.dbServerId)
                .chain(server -> databases.allowLogin(server, tenant.databaseName, login));
    }

    /**
     * Deletes a tenant. Without {@code purge}, its database is kept for the grace period; with it, the
     * database is dropped now (DELETING is recorded first, so a crash is finished by the recovery sweep).
     * Deleting a deleted tenant again is harmless, and with {@code purge} drops a kept database. 409 for a
     * tenant still being created.
     */
    public Uni<Tenant> delete(UUID id, boolean purge) {
        return directory.byId(id).chain(tenant -> {
            if (tenant.status == TenantStatus.PROVISIONING) {
                return Uni.createFrom().failure(ProblemException.conflict("tenant_not_ready",
                        "The tenant is still being created."));
            }
            if (tenant.status == TenantStatus.DELETED && (!purge || tenant.purgedAt != null)) {
                return Uni.createFrom().item(tenant);
            }
            Uni<Void> mark = tenant.status == TenantStatus.DELETED ? Uni.createFrom().voidItem()
                    : purge ? tenants.markDeleting(id) : tenants.markDeleted(id, grace);
            // Kept for the grace period, the database refuses its role's logins; purged, both go.
            Uni<Void> drop = !purge ? allowLogin(tenant, false)
                    : servers.address(tenant.dbServerId)
                            .chain(server -> databases.dropIfExists(server, tenant.databaseName))
                            .chain(() -> tenants.markPurged(id));
            return mark.chain(() -> directory.forget(tenant.slug, id))
                    .chain(() -> pools.evict(id))
                    .chain(() -> drop)
                    .chain(() -> directory.forget(tenant.slug, id))
                    .chain(() -> directory.byId(id));
        });
    }

    /**
     * Brings a tenant deleted without {@code purge} back, inside its grace period: ACTIVE again, with its database
     * as it was and its role let in again. 409 {@code invalid_state} for a tenant that is not deleted, 410
     * {@code tenant_purged} once its database is gone or its grace period is over, 409 {@code slug_taken} when
     * another tenant has taken its slug since.
     */
    public Uni<Tenant> undelete(UUID id) {
        return directory.byId(id).chain(tenant -> {
            if (tenant.status != TenantStatus.DELETED) {
                return Uni.createFrom().failure(ProblemException.conflict("invalid_state",
                        "Only a deleted tenant can be brought back; this one is " + tenant.status + "."));
            }
            return tenants.undelete(id)
                    .onFailure(DatabaseFailures::uniqueViolation).transform(e -> ProblemException.conflict("slug_taken",
                            "Another tenant has taken the slug '" + tenant.slug + "' since this one was deleted."))
                    .chain(undeleted -> {
                        if (!undeleted) {
                            return Uni.createFrom().failure(new ProblemException(410, "tenant_purged", "Gone",
                                    "The tenant's grace period is over; its database is dropped or about to be."));
                        }
                        return allowLogin(tenant, true).chain(() -> directory.forget(tenant.slug, id))
                                .chain(() -> directory.byId(id));
                    });
        });
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantStats")
    public record Stats(UUID tenantId, TenantStatus status, String schemaVersion, long databaseSizeBytes,
            int openConnections, long members) {
    }

    /** Size, connections, schema version and members of a tenant whose database exists; 410 once purged. */
    public Uni<Stats> stats(UUID id) {
        return directory.byId(id).chain(tenant -> {
            if (tenant.purgedAt != null || tenant.status == TenantStatus.PROVISIONING) {
                return Uni.createFrom().failure(new ProblemException(410, "tenant_database_gone", "Gone",
                        "The tenant has no database now."));
            }
            return servers.address(tenant.dbServerId).chain(server -> databases.onDatabase(server,
                    tenant.databaseName, c -> c.preparedQuery("""
                            SELECT pg_database_size(current_database()) AS size_bytes,
                                   (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
                                      AND pid <> pg_backend_pid())::int AS connections,
                                   (SELECT count(*) FROM memberships WHERE left_at IS NULL) AS members""").execute())
                    .map(rows -> {
                        var r = rows.iterator().next();
                        return new Stats(id, tenant.status, tenant.schemaVersion, r.getLong("size_bytes"),
                                r.getInteger("connections"), r.getLong("members"));
                    }));
        });
    }

    /**
     * KeyHub's changelog as the tenant has it (at the top level), the product's ({@code product}, null without
     * a product changelog), and the drift of the whole database against its server's template.
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantSchemaStatus")
    public record Schema(UUID tenantId, String version, String templateVersion, String newestRelease,
            List<String> pendingChangesets, List<String> onlyInTenant, List<String> onlyInTemplate,
            ProductSchema product) {
    }

    /** The product changelog's release in the tenant and its template, the newest, and what the tenant lacks. */
    public record ProductSchema(String version, String templateVersion, String newestRelease,
            List<String> pendingChangesets) {
    }

    /**
     * The tenant's versions, the changesets of each changelog it lacks, and its drift against its server's
     * template: the columns, indexes and constraints that one has and the other has not. Runs Liquibase and a
     * few short connections on a worker thread.
     */
    public Uni<Schema> schema(UUID id) {
        return directory.byId(id).chain(tenant -> {
            if (tenant.purgedAt != null || tenant.status == TenantStatus.PROVISIONING) {
                return Uni.createFrom().failure(new ProblemException(410, "tenant_database_gone", "Gone",
                        "The tenant has no database now."));
            }
            return serverStore.byId(tenant.dbServerId)
                    .chain(host -> servers.address(tenant.dbServerId).chain(server -> Uni.createFrom().item(() -> {
                        String template = host.templateDatabase;
                        java.util.Set<String> mine = tenantSchema.shape(server, tenant.databaseName);
                        java.util.Set<String> theirs = tenantSchema.shape(server, template);
                        List<String> onlyMine = mine.stream().filter(x -> !theirs.contains(x)).toList();
                        List<String> onlyTheirs = theirs.stream().filter(x -> !mine.contains(x)).toList();
                        TenantChangelog keyhub = tenantSchema.keyhub();
                        ProductSchema product = tenantSchema.product().map(p -> new ProductSchema(
                                p.version(server, tenant.databaseName), host.templateProductVersion, p.latest(),
                                p.pending(server, tenant.databaseName))).orElse(null);
                        return new Schema(id, keyhub.version(server, tenant.databaseName), host.templateVersion,
                                keyhub.latest(), keyhub.pending(server, tenant.databaseName), onlyMine, onlyTheirs,
                                product);
                    }).runSubscriptionOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())));
        });
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantProbe")
    public record Probe(UUID tenantId, String slug, TenantStatus status, boolean reachable, Double latencyMs,
            String error) {
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "TenantHealth")
    public record Health(int total, int reachable, int unreachable, Double latencyP50Ms, Double latencyMaxMs,
            long checkedInMs, List<Probe> tenants) {
    }

    /**
     * Probes every active or suspended tenant's database with {@code SELECT 1} on a fresh connection (not
     * through the pools, so the probe neither uses nor disturbs the budget), {@code health-concurrency} at a
     * time, each bounded by {@code health-timeout}.
     */
    public Uni<Health> health() {
        long start = System.nanoTime();
        return tenants.activeOrSuspended()
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .onItem().transformToUni(t -> probe(t.id, t.slug, t.status, t.dbServerId, t.databaseName))
                .merge(healthConcurrency)
                .collect().asList()
                .map(probes -> {
                    List<Probe> sorted = probes.stream().sorted(Comparator.comparing(Probe::slug)).toList();
                    List<Double> latencies = sorted.stream().filter(Probe::reachable).map(Probe::latencyMs).sorted().toList();
                    int reachable = latencies.size();
                    return new Health(sorted.size(), reachable, sorted.size() - reachable,
                            latencies.isEmpty() ? null : latencies.get((latencies.size() - 1) / 2),
                            latencies.isEmpty() ? null : latencies.get(latencies.size() - 1),
                            Duration.ofNanos(System.nanoTime() - start).toMillis(), sorted);
                });
    }

    private Uni<Probe> probe(UUID id, String slug, TenantStatus status, String serverId, String database) {
        long t0 = System.nanoTime();
        return servers.address(serverId)
                .chain(server -> databases.onDatabase(server, database, c -> c.query("SELECT 1").execute()))
                .ifNoItem().after(healthTimeout).fail()
                .map(ok -> new Probe(id, slug, status, true, (System.nanoTime() - t0) / 1e6, null))
                .onFailure().recoverWithItem(e -> new Probe(id, slug, status, false, null, reason(e)));
    }

    private static String reason(Throwable e) {
        if (e instanceof io.smallrye.mutiny.TimeoutException) {
            return "timeout";
        }
        if (e instanceof DbServers.Unconfigured) {
            return "server_unconfigured";
        }
        if (DatabaseFailures.missingDatabase(e)) {
            return "database_missing";
        }
        // The server answered, with an error that is not about reaching it.
        if (e instanceof io.vertx.pgclient.PgException && !DatabaseFailures.unreachable(e)) {
            return "database_error";
        }
        return "unreachable";
    }
}
