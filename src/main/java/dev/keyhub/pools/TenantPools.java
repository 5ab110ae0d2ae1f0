package dev.keyhub.pools;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.All;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.PoolOptions;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.DatabaseFailures;
import dev.keyhub.common.ProblemException;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;

/**
 * Connections to tenant databases, under a connection budget per database server ({@link ConnectionBudgets}).
 * <p>
 * A tenant's connections are <em>lanes</em>: each lane is a Vert.x pool of exactly one connection, used by one
 * request at a time, so a tenant's open connections never exceed its lanes and the lanes of all tenants of a
 * server never exceed that server's budget. A tenant starts with one lane and gets another (up to
 * {@code max-size-per-tenant}) only when a request would otherwise queue and the budget has room. A lane unused
 * for {@code idle-timeout} is closed and its place goes back to the budget, so the budget follows the traffic.
 * <p>
 * A tenant with no lane that finds the budget spent takes the place of the least recently used idle lane of
 * another tenant (an eviction). When every lane of the server is busy, it waits for the next lane to be released:
 * a tenant that has no queued request, or another lane, gives that lane up for it, so no tenant starves.
 * Requests of one tenant wait for that tenant's own lanes, never each opening their own connection. Every request
 * waits at most once, up to {@code acquire-timeout} from when it asked, then gets 503 with Retry-After; past
 * {@code max-waiters} waiting requests on a server, at once.
 * <p>
 * The bookkeeping is a few fields guarded by this object's monitor; nothing blocks while holding it, and a
 * request that finds a lane free continues on its own thread.
 */
@ApplicationScoped
public class TenantPools {

    private static final Logger LOG = Logger.getLogger(TenantPools.class);
    private static final String UNAVAILABLE = "keyhub.tenant.database.unavailable";

    private final Vertx vertx;
    private final DbServers servers;
    private final DatabaseAdmin databases;
    private final ConnectionBudgets budgets;
    private final PoolsConfig config;
    private final MeterRegistry registry;
    private final Map<UUID, Entry> entries = new HashMap<>();
    private final Map<String, Server> byServer = new HashMap<>();
    private final List<TenantWrites> writes;
    private final long reaperTimer;

    /** A tenant's lanes and the requests queued for them. */
    private static final class Entry {
        final UUID tenantId;
        final Server server;
        final TenantRef tenant;
        final ServerAddress address;
        final List<Lane> lanes = new ArrayList<>(2);
        final ArrayDeque<Waiter> queue = new ArrayDeque<>();
        long lastUsed = System.nanoTime();
        boolean closed;

        Entry(TenantRef tenant, Server server, ServerAddress address) {
            this.tenantId = tenant.id();
            this.tenant = tenant;
            this.server = server;
            this.address = address;
        }

        int busy() {
            int n = 0;
            for (Lane l : lanes) {
                n += l.busy ? 1 : 0;
            }
            return n;
        }
    }

    /** One connection of a tenant: a pool of size one. */
    private static final class Lane {
        final Entry entry;
        final Pool pool;
        boolean busy;
        boolean closed;
        long lastUsed = System.nanoTime();

        /** The thread that opened the lane: its connection's event loop when opened from a request. */
        final Thread home = Thread.currentThread();

        Lane(Entry entry, Pool pool) {
            this.entry = entry;
            this.pool = pool;
        }
    }

    /** A database server's budget and the requests waiting on it. */
    private static final class Server {
        final String id;
        final Set<Entry> entries = new LinkedHashSet<>();
        /** Requests of tenants without a lane, waiting for room. */
        final ArrayDeque<Waiter> starving = new ArrayDeque<>();
        int limit;
        int lanes;
        int waiting;
        Counter evictions;
        Counter rejections;

        Server(String id) {
            this.id = id;
        }
    }

    /** A request waiting for a lane, until its deadline. */
    private static final class Waiter {
        final TenantRef tenant;
        final ServerAddress address;
        final UniEmitter<? super Lane> emitter;
        final Context caller;
        long timer = -1;
        boolean done;
        /** The request was cancelled (or already served): a lane handed to it goes back. */
        volatile boolean gone;

        Waiter(TenantRef tenant, ServerAddress address, UniEmitter<? super Lane> emitter, Context caller) {
            this.tenant = tenant;
            this.address = address;
            this.emitter = emitter;
            this.caller = caller;
        }
    }

    public TenantPools(Vertx vertx, DbServers servers, DatabaseAdmin databases, ConnectionBudgets budgets, PoolsConfig config,
            MeterRegistry registry, @All List<TenantWrites> writes) {
        this.writes = writes;
        this.vertx = vertx;
        this.servers = servers;
        this.databases = databases;
        this.budgets = budgets;
        this.config = config;
        this.registry = registry;
        long period = Math.max(250, Math.min(5_000, config.idleTimeout().toMillis() / 4));
        this.reaperTimer = vertx.setPeriodic(period, id -> reap());
    }

    /** Runs {@code work} on a connection to the tenant's database; 503 when none can be had in time. */
    public <T> Uni<T> withConnection(TenantRef tenant, Function<SqlConnection, Uni<T>> work) {
        return use(tenant, work);
    }

    /**
     * Runs {@code work} in a transaction on the tenant's database, committed when the Uni succeeds. After the
     * commit, every {@link TenantWrites} bean is told, before the caller sees the result.
     */
    public <T> Uni<T> withTransaction(TenantRef tenant, Function<SqlConnection, Uni<T>> work) {
        return use(tenant, conn -> conn.begin().chain(tx -> work.apply(conn)
                        .call(tx::commit)
                        .onFailure().call(e -> tx.rollback().onFailure().recoverWithNull())))
                .call(() -> committed(tenant.id()));
    }

    private Uni<Void> committed(UUID tenant) {
        Uni<Void> all = Uni.createFrom().voidItem();
        for (TenantWrites w : writes) {
            all = all.call(() -> w.committed(tenant));
        }
        return all;
    }

    /**
     * Runs {@code work} on a lane of the tenant. The connection is back in the lane's pool before the lane is
     * given up, so the next request on that lane finds it there.
     */
    private <T> Uni<T> use(TenantRef tenant, Function<SqlConnection, Uni<T>> work) {
        long deadline = System.nanoTime() + config.acquireTimeout().toNanos();
        String server = tenant.dbServerId();
        return servers.address(server)
                .onFailure(DbServers.Unconfigured.class).transform(e -> unreachable(server, e))
                .chain(address -> budgets.limit(server, address)
                        .onFailure(e -> !(e instanceof ProblemException)).transform(e -> unreachable(server, e))
                        .chain(limit -> acquire(tenant, address, limit, deadline)))
                .chain(lane -> connectionOrRepair(lane)
                        .chain(conn -> work.apply(conn).onTermination().call(() -> conn.close().onFailure().recoverWithNull()))
                        // A lane's pool rarely times out (a request asks it only while holding the lane), but may.
                        .onFailure(DatabaseFailures::timedOutInPool).transform(e -> {
                            lane.entry.server.rejections.increment();
                            return busy();
                        })
                        .onFailure(e -> DatabaseFailures.unreachable(e) || DatabaseFailures.missingDatabase(e)
                                || DatabaseFailures.loginRefused(e))
                        .transform(e -> unreachable(server, e))
                        .onTermination().invoke(() -> release(lane)));
    }

    /**
     * The lane's connection, logged in as the tenant's role. A refused login (the role is missing or its password
     * changed with the server's admin password) has the role repaired once, then is tried again.
     */
    private Uni<SqlConnection> connectionOrRepair(Lane lane) {
        Entry entry = lane.entry;
        return connection(lane).onFailure(DatabaseFailures::loginRefused).recoverWithUni(refused -> databases
                .repairRole(entry.address, entry.tenant.databaseName())
                // Another lane repaired the role at the same moment: its repair is as good.
                .onFailure(e -> DatabaseFailures.hasState(e, "23505", "42710")).recoverWithNull()
                .chain(() -> connection(lane)));
    }

    /**
     * The lane's connection. A request that is cancelled (its client went away) while the connection is being
     * opened or handed over leaves nothing behind: the connection, when it comes, goes straight back.
     */
    private static Uni<SqlConnection> connection(Lane lane) {
        return Uni.createFrom().emitter(emitter -> {
            // Set on cancellation, or once the connection was handed on (then it no longer matters).
            AtomicBoolean gone = new AtomicBoolean();
            emitter.onTermination(() -> gone.set(true));
            lane.pool.getDelegate().getConnection().onComplete(ar -> {
                if (ar.failed()) {
                    emitter.fail(ar.cause());
                } else if (gone.get()) {
                    ar.result().close();
                } else {
                    emitter.complete(SqlConnection.newInstance(ar.result()));
                }
            });
        });
    }

    private Uni<Lane> acquire(TenantRef tenant, ServerAddress address, int limit, long deadline) {
        return Uni.createFrom().deferred(() -> {
            Context caller = Vertx.currentContext();
            Lane victim = null;
            Lane lane;
            synchronized (this) {
                Server server = server(tenant.dbServerId());
                server.limit = limit;
                Entry entry = entry(tenant, address, server);
                entry.lastUsed = System.nanoTime();
                lane = freeLane(entry);
                if (lane != null) {
                    lane.busy = true;
                    return Uni.createFrom().item(lane);
                }
                if (entry.lanes.size() < config.maxSizePerTenant() && server.lanes < server.limit
                        && server.starving.isEmpty()) {
                    return Uni.createFrom().item(addLane(entry));
                }
                if (entry.lanes.isEmpty()) {
                    victim = leastRecentlyUsedIdleLane(server);
                    if (victim != null) {
                        removeLane(victim);
                        server.evictions.increment();
                        lane = addLane(entry);
                        // The victim's place in the budget passes to the new lane, which opens once it is closed.
                        server.lanes--;
                    }
                }
                if (victim == null && server.waiting >= config.maxWaiters()) {
                    server.rejections.increment();
                    return Uni.createFrom().failure(busy());
                }
            }
            if (victim != null) {
                // The evicted connection is closed before this tenant opens one.
                Lane granted = lane;
                return close(victim).replaceWith(granted).emitOn(on(caller))
                        .onCancellation().invoke(() -> release(granted));
            }
            return Uni.createFrom().<Lane> emitter(emitter -> enqueue(tenant, address, emitter, deadline));
        });
    }

    private void enqueue(TenantRef tenant, ServerAddress address, UniEmitter<? super Lane> emitter, long deadline) {
        Waiter waiter = new Waiter(tenant, address, emitter, Vertx.currentContext());
        emitter.onTermination(() -> {
            waiter.gone = true;
            withdraw(waiter);
        });
        List<Runnable> wake = new ArrayList<>();
        synchronized (this) {
            Server server = server(tenant.dbServerId());
            Entry entry = entry(tenant, address, server);
            (entry.lanes.isEmpty() ? server.starving : entry.queue).add(waiter);
            server.waiting++;
            long remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            waiter.timer = vertx.setTimer(Math.max(1, remaining), id -> expire(waiter));
            // Room may have freed between the first look and the queueing.
            serve(server, wake);
        }
        wake.forEach(Runnable::run);
    }

    private void expire(Waiter waiter) {
        if (withdraw(waiter)) {
            server(waiter.tenant.dbServerId()).rejections.increment();
            waiter.emitter.fail(busy());
        }
    }

    /** Takes a waiter out of its queue unless it was served already; whether it was still waiting. */
    private synchronized boolean withdraw(Waiter waiter) {
        if (waiter.done) {
            return false;
        }
        waiter.done = true;
        vertx.cancelTimer(waiter.timer);
        Server server = server(waiter.tenant.dbServerId());
        server.waiting--;
        server.starving.remove(waiter);
        Entry entry = entries.get(waiter.tenant.id());
        if (entry != null) {
            entry.queue.remove(waiter);
        }
        return true;
    }

    private void release(Lane lane) {
        List<Runnable> wake = new ArrayList<>();
        Lane given = null;
        synchronized (this) {
            Entry entry = lane.entry;
            lane.busy = false;
            lane.lastUsed = entry.lastUsed = System.nanoTime();
            if (lane.closed) {
                return;
            }
            Server server = entry.server;
            if (!server.starving.isEmpty() && (entry.queue.isEmpty() || entry.lanes.size() > 1)) {
                // A tenant with no connection at all waits: this lane makes way for it.
                given = lane;
                removeLane(lane);
                server.evictions.increment();
            } else {
                Waiter next = entry.queue.poll();
                if (next != null) {
                    lane.busy = true;
                    handOver(next, lane, wake);
                }
                serve(server, wake);
            }
        }
        if (given != null) {
            retire(given).subscribe().with(ok -> { });
        }
        wake.forEach(Runnable::run);
    }

    /** Gives free room of the server to waiting requests: first tenants with no lane, then queued tenants. */
    private void serve(Server server, List<Runnable> wake) {
        while (server.lanes < server.limit && !server.starving.isEmpty()) {
            Waiter w = server.starving.poll();
            Entry entry = entry(w.tenant, w.address, server);
            Lane lane = freeLane(entry);
            if (lane != null) {
                lane.busy = true;
            } else {
                lane = addLane(entry);
            }
            handOver(w, lane, wake);
        }
        if (server.lanes >= server.limit || server.waiting == 0) {
            return;
        }
        for (Entry entry : server.entries) {
            while (!entry.queue.isEmpty() && entry.lanes.size() < config.maxSizePerTenant()
                    && server.lanes < server.limit) {
                handOver(entry.queue.poll(), addLane(entry), wake);
            }
        }
    }

    /** Runs a continuation on the caller's context: inline when already there, else as a task of that context. */
    private static Executor on(Context caller) {
        return task -> {
            if (caller == null || Vertx.currentContext() == caller) {
                task.run();
            } else {
                caller.runOnContext(v -> task.run());
            }
        };
    }

    /**
     * A free lane of the tenant: preferably one opened on this thread (its connection's I/O runs on this event
     * loop, so the request does not hop to another thread and back), else the most recently used one, so that
     * the others go idle and can be closed.
     */
    private static Lane freeLane(Entry entry) {
        Thread here = Thread.currentThread();
        Lane best = null;
        for (Lane l : entry.lanes) {
            if (l.busy) {
                continue;
            }
            if (l.home == here) {
                return l;
            }
            if (best == null || l.lastUsed > best.lastUsed) {
                best = l;
            }
        }
        return best;
    }

    /** A new lane for the entry, busy, counted in its server's budget. */
    private Lane addLane(Entry entry) {
        Lane lane = new Lane(entry, open(entry.tenant, entry.address));
        lane.busy = true;
        entry.lanes.add(lane);
        entry.server.lanes++;
        return lane;
    }

    /**
     * Takes a lane out of its tenant's books. It keeps its place in the server's budget until {@link #retire}
     * has closed it, so that PostgreSQL never sees more connections than the budget, not even while one closes.
     */
    private static void removeLane(Lane lane) {
        lane.closed = true;
        lane.entry.lanes.remove(lane);
    }

    /** Closes a lane taken out of the books, then gives its place in the budget to whoever waits for one. */
    private Uni<Void> retire(Lane lane) {
        return close(lane).onTermination().invoke(() -> {
            List<Runnable> wake = new ArrayList<>();
            synchronized (this) {
                lane.entry.server.lanes--;
                serve(lane.entry.server, wake);
            }
            wake.forEach(Runnable::run);
        });
    }

    private void handOver(Waiter w, Lane lane, List<Runnable> wake) {
        w.done = true;
        lane.entry.server.waiting--;
        vertx.cancelTimer(w.timer);
        wake.add(() -> on(w.caller).execute(() -> {
            if (w.gone) {
                release(lane);
            } else {
                w.emitter.complete(lane);
            }
        }));
    }

    private static Uni<Void> close(Lane lane) {
        return lane.pool.close().onFailure().recoverWithNull();
    }

    /**
     * Closes the tenant's connections, even with requests in flight (used when a tenant goes away); requests
     * queued for it get 503.
     */
    public Uni<Void> evict(UUID tenantId) {
        Entry entry;
        List<Waiter> queued;
        List<Lane> lanes;
        List<Runnable> wake = new ArrayList<>();
        synchronized (this) {
            entry = entries.remove(tenantId);
            if (entry == null) {
                return Uni.createFrom().voidItem();
            }
            entry.closed = true;
            entry.server.entries.remove(entry);
            queued = new ArrayList<>(entry.queue);
            entry.queue.clear();
            queued.forEach(w -> {
                w.done = true;
                entry.server.waiting--;
                vertx.cancelTimer(w.timer);
            });
            lanes = new ArrayList<>(entry.lanes);
            lanes.forEach(TenantPools::removeLane);
            serve(entry.server, wake);
        }
        queued.forEach(w -> w.emitter.fail(unavailable(new IllegalStateException("tenant pool closed"))));
        wake.forEach(Runnable::run);
        Uni<Void> closed = Uni.createFrom().voidItem();
        for (Lane lane : lanes) {
            closed = closed.chain(() -> retire(lane));
        }
        return closed;
    }

    /** Counts for metrics and tests, over all servers. */
    public synchronized Snapshot snapshot() {
        int pools = 0;
        int open = 0;
        for (Entry e : entries.values()) {
            pools += e.lanes.isEmpty() ? 0 : 1;
            for (Lane l : e.lanes) {
                open += l.pool.size();
            }
        }
        int reserved = byServer.values().stream().mapToInt(s -> s.lanes).sum();
        int waiters = byServer.values().stream().mapToInt(s -> s.waiting).sum();
        return new Snapshot(pools, reserved, open, waiters);
    }

    /** Tenants with connections, connections of the budget in use (lanes), connections open, waiting requests. */
    public record Snapshot(int pools, int reserved, int open, int waiters) {
    }

    /** Counts of one server, for its gauges and {@code GET /admin/db-servers}. */
    public synchronized Snapshot snapshot(String serverId) {
        Server server = byServer.get(serverId);
        if (server == null) {
            return new Snapshot(0, 0, 0, 0);
        }
        int pools = 0;
        int open = 0;
        for (Entry e : server.entries) {
            pools += e.lanes.isEmpty() ? 0 : 1;
            for (Lane l : e.lanes) {
                open += l.pool.size();
            }
        }
        return new Snapshot(pools, server.lanes, open, server.waiting);
    }

    /** One tenant: its lanes, lanes in use, connections open and requests queued for it. */
    public record TenantLoad(int lanes, int inFlight, int open, int queued) {
    }

    /** The load of one tenant; all zero when it has no connection. */
    public synchronized TenantLoad load(UUID tenantId) {
        Entry e = entries.get(tenantId);
        if (e == null) {
            return new TenantLoad(0, 0, 0, 0);
        }
        int open = 0;
        for (Lane l : e.lanes) {
            open += l.pool.size();
        }
        return new TenantLoad(e.lanes.size(), e.busy(), open, e.queue.size());
    }

    /** Closes lanes unused for longer than {@code idle-timeout}, and forgets tenants left with none. */
    private void reap() {
        long idleNanos = config.idleTimeout().toNanos();
        List<Lane> idle = new ArrayList<>();
        List<Runnable> wake = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            for (Entry e : new ArrayList<>(entries.values())) {
                for (Lane l : new ArrayList<>(e.lanes)) {
                    if (!l.busy && now - l.lastUsed > idleNanos) {
                        removeLane(l);
                        idle.add(l);
                    }
                }
                if (e.lanes.isEmpty() && e.queue.isEmpty() && now - e.lastUsed > idleNanos) {
                    entries.remove(e.tenantId);
                    e.server.entries.remove(e);
                }
            }
            byServer.values().forEach(s -> serve(s, wake));
        }
        wake.forEach(Runnable::run);
        idle.forEach(l -> retire(l).subscribe().with(ok -> LOG.debugf("closed an idle connection of tenant %s", l.entry.tenantId)));
    }

    private Entry entry(TenantRef tenant, ServerAddress address, Server server) {
        Entry entry = entries.get(tenant.id());
        if (entry == null) {
            entry = new Entry(tenant, server, address);
            entries.put(tenant.id(), entry);
            server.entries.add(entry);
        }
        return entry;
    }

    private Pool open(TenantRef tenant, ServerAddress address) {
        PoolOptions options = new PoolOptions()
                .setMaxSize(1)
                .setConnectionTimeout((int) Math.max(1, config.acquireTimeout().toMillis()))
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS)
                .setName("tenant-" + tenant.id())
                .setShared(false);
        io.vertx.sqlclient.Pool pool = PgBuilder.pool()
                .with(options)
                .connectingTo(address.tenantConnectOptions(tenant.databaseName()).setCachePreparedStatements(true))
                .using(vertx)
                .build();
        return Pool.newInstance(pool);
    }

    /** The idle lane of the server unused for longest, of a tenant with no queued request; null when none. */
    private static Lane leastRecentlyUsedIdleLane(Server server) {
        Lane oldest = null;
        for (Entry e : server.entries) {
            if (!e.queue.isEmpty()) {
                continue;
            }
            for (Lane l : e.lanes) {
                if (!l.busy && (oldest == null || l.lastUsed < oldest.lastUsed)) {
                    oldest = l;
                }
            }
        }
        return oldest;
    }

    private Server server(String serverId) {
        Server server = byServer.get(serverId);
        if (server == null) {
            server = new Server(serverId);
            byServer.put(serverId, server);
            register(server);
        }
        return server;
    }

    private void register(Server server) {
        String id = server.id;
        Gauge.builder("keyhub.tenant.pools", this, p -> p.snapshot(id).pools()).tag("server", id)
                .description("Tenants with open connections").register(registry);
        Gauge.builder("keyhub.tenant.connections.reserved", this, p -> p.snapshot(id).reserved()).tag("server", id)
                .description("Connections of the budget held by tenants (their lanes)").register(registry);
        Gauge.builder("keyhub.tenant.connections.open", this, p -> p.snapshot(id).open()).tag("server", id)
                .description("Connections currently open to tenant databases").register(registry);
        Gauge.builder("keyhub.tenant.pool.waiters", this, p -> p.snapshot(id).waiters()).tag("server", id)
                .description("Requests waiting for a connection").register(registry);
        Gauge.builder("keyhub.tenant.connections.budget", this, p -> p.limit(id)).tag("server", id)
                .description("Connection budget of the server's tenant connections on this replica").register(registry);
        server.evictions = Counter.builder("keyhub.tenant.pool.evictions").tag("server", id)
                .description("Tenant connections closed to make room for another tenant").register(registry);
        Counter.builder(UNAVAILABLE).tag("server", id)
                .description("Requests answered 503 because a tenant database could not be opened").register(registry);
        server.rejections = Counter.builder("keyhub.tenant.pool.rejections").tag("server", id)
                .description("Requests answered 503 because no connection could be had in time").register(registry);
    }

    private synchronized int limit(String serverId) {
        Server server = byServer.get(serverId);
        return server == null ? 0 : server.limit;
    }

    private ProblemException busy() {
        return ProblemException.unavailable("tenant_pool_busy",
                "All database connections for this tenant's server are in use; retry shortly.",
                config.retryAfterSeconds());
    }

    /** A tenant database of the server could not be opened: counted, for alerts, and answered 503. */
    private Throwable unreachable(String serverId, Throwable cause) {
        registry.counter(UNAVAILABLE, "server", serverId).increment();
        return unavailable(cause);
    }

    private Throwable unavailable(Throwable cause) {
        LOG.debugf("tenant database unavailable: %s", cause.toString());
        if (DatabaseFailures.missingDatabase(cause)) {
            LOG.errorf("A tenant database is missing: %s", cause.getMessage());
            return DatabaseFailures.tenantDatabaseMissing();
        }
        return ProblemException.unavailable("tenant_database_unavailable",
                "The tenant's database cannot be reached right now; retry shortly.", config.retryAfterSeconds());
    }

    @PreDestroy
    void shutdown() {
        vertx.cancelTimer(reaperTimer);
        List<Lane> all = new ArrayList<>();
        synchronized (this) {
            entries.values().forEach(e -> all.addAll(e.lanes));
            entries.clear();
        }
        all.forEach(l -> l.pool.close().subscribe().with(ok -> { },
                err -> LOG.debugf(err, "A tenant connection did not close cleanly at shutdown")));
    }
}
