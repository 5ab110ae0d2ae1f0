package dev.keyhub.tenancy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.PoolOptions;

/**
 * One reactive pool per tenant database, created on first use and closed when idle, under a connection
 * budget per database server.
 * <p>
 * Every open pool reserves its maximum size from its server's budget, so the connections that all tenant
 * pools on a server can open together never exceed the budget. When a pool is needed and the budget is
 * full, the least recently used pool with no request in flight is closed; when there is none, the request
 * waits up to {@code acquire-timeout} for room and then fails with 503 and Retry-After; when
 * {@code max-waiters} requests already wait for that server, it fails with 503 at once.
 * <p>
 * The bookkeeping is a few fields guarded by this object's monitor; nothing blocks while holding it.
 */
@ApplicationScoped
public class TenantPools {

    private static final Logger LOG = Logger.getLogger(TenantPools.class);

    private final Vertx vertx;
    private final DbServers servers;
    private final TenancyConfig.Pools config;
    private final Map<UUID, Entry> entries = new HashMap<>();
    private final Map<String, Budget> budgets = new HashMap<>();
    private final Counter evictions;
    private final Counter rejections;
    private final Cache members;
    private final long reaperTimer;

    private static final class Entry {
        final UUID tenantId;
        final String serverId;
        final Pool pool;
        int inFlight;
        long lastUsed = System.nanoTime();
        boolean closing;

        Entry(UUID tenantId, String serverId, Pool pool) {
            this.tenantId = tenantId;
            this.serverId = serverId;
            this.pool = pool;
        }
    }

    private static final class Budget {
        int reserved;
        final List<CompletableFuture<Void>> waiters = new ArrayList<>();
    }

    public TenantPools(Vertx vertx, DbServers servers, TenancyConfig config, MeterRegistry registry,
            @CacheName(TenantAccess.MEMBERS) Cache members) {
        this.members = members;
        this.vertx = vertx;
        this.servers = servers;
        this.config = config.pools();
        Gauge.builder("keyhub.tenant.pools", this, p -> p.snapshot().pools())
                .description("Open tenant connection pools").register(registry);
        Gauge.builder("keyhub.tenant.connections.reserved", this, p -> p.snapshot().reserved())
                .description("Connections reserved from the budget by open tenant pools").register(registry);
        Gauge.builder("keyhub.tenant.connections.open", this, p -> p.snapshot().open())
                .description("Connections currently open by tenant pools").register(registry);
        Gauge.builder("keyhub.tenant.pool.waiters", this, p -> p.snapshot().waiters())
                .description("Requests waiting for room in the connection budget").register(registry);
        Gauge.builder("keyhub.tenant.connections.budget", this, p -> p.config.connectionBudget())
                .description("Connection budget per database server").register(registry);
        this.evictions = Counter.builder("keyhub.tenant.pool.evictions")
                .description("Tenant pools closed to make room in the budget").register(registry);
        this.rejections = Counter.builder("keyhub.tenant.pool.rejections")
                .description("Requests answered 503 because no connection could be had in time").register(registry);
        long period = Math.max(1000, Math.min(30_000, config.pools().idleTimeout().toMillis() / 2));
        this.reaperTimer = vertx.setPeriodic(period, id -> closeIdle());
    }

    /** Runs {@code work} on a connection to the tenant's database; 503 when none can be had in time. */
    public <T> Uni<T> withConnection(TenantRef tenant, Function<SqlConnection, Uni<T>> work) {
        return use(tenant, pool -> pool.withConnection(work));
    }

    /**
     * Runs {@code work} in a transaction on the tenant's database, committed when the Uni succeeds. After the
     * commit, the memberships this replica cached for the tenant are dropped: every change of a member, role or
     * profile is such a transaction, so the replica's next request sees it.
     */
    public <T> Uni<T> withTransaction(TenantRef tenant, Function<SqlConnection, Uni<T>> work) {
        return use(tenant, pool -> pool.withTransaction(work))
                .call(() -> members.invalidateIf(key -> key instanceof TenantAccess.MemberKey m && m.tenant().equals(tenant.id())));
    }

    private <T> Uni<T> use(TenantRef tenant, Function<Pool, Uni<T>> work) {
        long deadline = System.nanoTime() + config.acquireTimeout().toNanos();
        // Waiting for room resumes on whichever thread freed it; come back to the caller's context.
        Context caller = Vertx.currentContext();
        return servers.address(tenant.dbServerId())
                .onFailure(DbServers.Unconfigured.class).transform(this::unavailable)
                .chain(address -> acquire(tenant, address, deadline))
                .emitOn(caller == null ? Runnable::run : task -> caller.runOnContext(v -> task.run()))
                .chain(entry -> work.apply(entry.pool)
                        .onFailure(TenantPools::waitedTooLong).transform(e -> {
                            rejections.increment();
                            return busy();
                        })
                        .onFailure(TenantPools::isUnavailable).transform(this::unavailable)
                        .onTermination().invoke(() -> release(entry)));
    }

    private Uni<Entry> acquire(TenantRef tenant, ServerAddress address, long deadline) {
        return Uni.createFrom().deferred(() -> {
            Entry victim;
            CompletableFuture<Void> room;
            synchronized (this) {
                Entry existing = entries.get(tenant.id());
                if (existing != null && !existing.closing) {
                    existing.inFlight++;
                    existing.lastUsed = System.nanoTime();
                    return Uni.createFrom().item(existing);
                }
                Budget budget = budget(tenant.dbServerId());
                if (budget.reserved + config.maxSizePerTenant() <= config.connectionBudget()) {
                    budget.reserved += config.maxSizePerTenant();
                    Entry created = new Entry(tenant.id(), tenant.dbServerId(), open(tenant, address));
                    created.inFlight = 1;
                    entries.put(tenant.id(), created);
                    return Uni.createFrom().item(created);
                }
                victim = leastRecentlyUsedIdle(tenant.dbServerId());
                room = null;
                if (victim != null) {
                    victim.closing = true;
                    entries.remove(victim.tenantId);
                    evictions.increment();
                } else if (budget.waiters.size() >= config.maxWaiters()) {
                    rejections.increment();
                    return Uni.createFrom().failure(busy());
                } else {
                    room = new CompletableFuture<>();
                    budget.waiters.add(room);
                }
            }
            if (victim != null) {
                return close(victim).chain(() -> acquire(tenant, address, deadline));
            }
            return waitFor(room, tenant.dbServerId(), deadline).chain(() -> acquire(tenant, address, deadline));
        });
    }

    private Uni<Void> waitFor(CompletableFuture<Void> room, String serverId, long deadline) {
        long remaining = deadline - System.nanoTime();
        CompletableFuture<Void> bounded = room.orTimeout(Math.max(0, remaining), TimeUnit.NANOSECONDS);
        return Uni.createFrom().completionStage(bounded)
                .onFailure().transform(e -> {
                    synchronized (this) {
                        budget(serverId).waiters.remove(room);
                    }
                    rejections.increment();
                    return busy();
                });
    }

    private void release(Entry entry) {
        List<CompletableFuture<Void>> wake = List.of();
        synchronized (this) {
            entry.inFlight--;
            entry.lastUsed = System.nanoTime();
            if (entry.inFlight == 0) {
                wake = drainWaiters(entry.serverId);
            }
        }
        wake.forEach(w -> w.complete(null));
    }

    private Uni<Void> close(Entry entry) {
        return entry.pool.close()
                .onFailure().recoverWithNull()
                .invoke(() -> {
                    List<CompletableFuture<Void>> wake;
                    synchronized (this) {
                        budget(entry.serverId).reserved -= config.maxSizePerTenant();
                        wake = drainWaiters(entry.serverId);
                    }
                    wake.forEach(w -> w.complete(null));
                });
    }

    /** Closes the tenant's pool, if open, even with requests in flight (used when a tenant goes away). */
    public Uni<Void> evict(UUID tenantId) {
        Entry entry;
        synchronized (this) {
            entry = entries.remove(tenantId);
            if (entry == null || entry.closing) {
                return Uni.createFrom().voidItem();
            }
            entry.closing = true;
        }
        return close(entry);
    }

    /** Counts for metrics and tests. */
    public synchronized Snapshot snapshot() {
        int reserved = budgets.values().stream().mapToInt(b -> b.reserved).sum();
        int waiters = budgets.values().stream().mapToInt(b -> b.waiters.size()).sum();
        int open = entries.values().stream().mapToInt(e -> e.pool.size()).sum();
        return new Snapshot(entries.size(), reserved, open, waiters);
    }

    public record Snapshot(int pools, int reserved, int open, int waiters) {
    }

    private void closeIdle() {
        long idleNanos = config.idleTimeout().toNanos();
        List<Entry> idle = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            entries.values().removeIf(e -> {
                boolean expired = e.inFlight == 0 && !e.closing && now - e.lastUsed > idleNanos;
                if (expired) {
                    e.closing = true;
                    idle.add(e);
                }
                return expired;
            });
        }
        idle.forEach(e -> close(e).subscribe().with(ok -> LOG.debugf("closed idle pool of tenant %s", e.tenantId)));
    }

    private Pool open(TenantRef tenant, ServerAddress address) {
        PoolOptions options = new PoolOptions()
                .setMaxSize(config.maxSizePerTenant())
                .setIdleTimeout((int) Math.max(1, config.idleTimeout().toSeconds())).setIdleTimeoutUnit(TimeUnit.SECONDS)
                .setConnectionTimeout((int) Math.max(1, config.acquireTimeout().toMillis()))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setName("tenant-" + tenant.id())
                .setShared(false);
        io.vertx.sqlclient.Pool pool = PgBuilder.pool()
                .with(options)
                .connectingTo(address.connectOptions(tenant.databaseName()))
                .using(vertx)
                .build();
        return Pool.newInstance(pool);
    }

    private Entry leastRecentlyUsedIdle(String serverId) {
        Entry oldest = null;
        for (Entry e : entries.values()) {
            if (e.serverId.equals(serverId) && e.inFlight == 0 && !e.closing
                    && (oldest == null || e.lastUsed < oldest.lastUsed)) {
                oldest = e;
            }
        }
        return oldest;
    }

    private Budget budget(String serverId) {
        return budgets.computeIfAbsent(serverId, id -> new Budget());
    }

    private List<CompletableFuture<Void>> drainWaiters(String serverId) {
        Budget budget = budget(serverId);
        if (budget.waiters.isEmpty()) {
            return List.of();
        }
        List<CompletableFuture<Void>> wake = new ArrayList<>(budget.waiters);
        budget.waiters.clear();
        return wake;
    }

    private ProblemException busy() {
        return ProblemException.unavailable("tenant_pool_busy",
                "All database connections for this tenant's server are in use; retry shortly.",
                config.retryAfterSeconds());
    }

    private Throwable unavailable(Throwable cause) {
        LOG.debugf("tenant database unavailable: %s", cause.toString());
        rejections.increment();
        if (DatabaseFailures.missingDatabase(cause)) {
            LOG.errorf("A tenant database is missing: %s", cause.getMessage());
            return DatabaseFailures.tenantDatabaseMissing();
        }
        return ProblemException.unavailable("tenant_database_unavailable",
                "The tenant's database cannot be reached right now; retry shortly.", config.retryAfterSeconds());
    }

    /**
     * The tenant's pool had no free connection within {@code acquire-timeout}: all its connections are busy
     * with the tenant's other requests. (The SQL client fails the waiting request with a bare "Timeout".)
     */
    static boolean waitedTooLong(Throwable t) {
        return t instanceof io.vertx.core.impl.NoStackTraceThrowable && "Timeout".equals(t.getMessage());
    }

    /** Failures of reaching the database, as opposed to failures of the work done on it. */
    static boolean isUnavailable(Throwable t) {
        if (t instanceof PgException pg) {
            String state = pg.getSqlState();
            return state != null && (state.startsWith("08") || state.equals("53300") || state.equals("57P01")
                    || state.equals("57P03") || state.equals("3D000")
                    || state.equals("55000") /* not accepting connections: briefly, while a clone copies it */);
        }
        return t instanceof java.net.ConnectException
                || t instanceof io.vertx.core.impl.NoStackTraceTimeoutException
                || t instanceof io.netty.channel.ConnectTimeoutException
                || t.getClass().getSimpleName().equals("ClosedConnectionException")
                || t.getClass().getSimpleName().equals("ConnectionPoolTooBusyException");
    }

    @PreDestroy
    void shutdown() {
        vertx.cancelTimer(reaperTimer);
        List<Entry> all;
        synchronized (this) {
            all = new ArrayList<>(entries.values());
            entries.clear();
        }
        all.forEach(e -> e.pool.close().subscribe().with(ok -> { }, err -> { }));
    }
}
