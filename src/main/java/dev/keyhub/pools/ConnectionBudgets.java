package dev.keyhub.pools;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.sqlclient.Row;

import dev.keyhub.catalog.ServerStore;
import dev.keyhub.servers.ServerAddress;

/**
 * How many connections this replica's tenant pools may hold on each database server. Unless set, it is derived
 * from the server itself the first time the server is used:
 * {@code (max_connections - superuser_reserved_connections - reserved_connections) / replicas - catalog pools
 * - admin pool - migration workers}: each replica's share of the server, less what the replica holds there
 * outside the tenant pools. The catalog pools count only on the server that also holds the catalog. A server's
 * own {@code connection_budget} (set when it is registered) wins over {@code keyhub.pools.connection-budget},
 * which wins over the derived figure.
 */
@ApplicationScoped
public class ConnectionBudgets {

    private static final String SETTINGS_SQL = """
            SELECT current_setting('max_connections')::int AS max_connections,
                   current_setting('superuser_reserved_connections')::int AS superuser_reserved,
                   coalesce(current_setting('reserved_connections', true), '0')::int AS reserved""";

    /** What a server's budget is made of; every figure is a number of connections. */
    public record Inputs(int maxConnections, int superuserReserved, int reservedConnections, int catalogPools,
            int replicas, int adminPool, int migrationWorkers, Integer serverBudget, Integer configuredBudget) {

        /** The budget the server's settings leave for this replica's tenant pools (at least 1). */
        public int derived() {
            int share = (maxConnections - superuserReserved - reservedConnections) / Math.max(1, replicas);
            return Math.max(1, share - catalogPools - adminPool - migrationWorkers);
        }

        /** The budget in force: the server's own, else the configured one, else the derived one. */
        public int effective() {
            if (serverBudget != null) {
                return serverBudget;
            }
            return configuredBudget != null ? configuredBudget : derived();
        }
    }

    private final Vertx vertx;
    private final ServerStore store;
    private final PoolsConfig config;
    private final int migrationWorkers;
    private final int catalogPools;
    private final Map<String, Inputs> known = new ConcurrentHashMap<>();
    private final MeterRegistry registry;

    public ConnectionBudgets(Vertx vertx, ServerStore store, PoolsConfig config,
            @ConfigProperty(name = "keyhub.migrations.workers") int migrationWorkers, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.datasource.reactive.max-size", defaultValue = "20") int reactiveMax,
            @ConfigProperty(name = "quarkus.datasource.jdbc.max-size", defaultValue = "20") int jdbcMax) {
        this.vertx = vertx;
        this.registry = registry;
        this.store = store;
        this.config = config;
        this.migrationWorkers = migrationWorkers;
        this.catalogPools = reactiveMax + jdbcMax;
    }

    /** The server's budget; on first use it is derived by asking the server (which may fail when it is down). */
    public Uni<Integer> limit(String serverId, ServerAddress address) {
        Inputs inputs = known.get(serverId);
        if (inputs != null) {
            return Uni.createFrom().item(inputs.effective());
        }
        return inputs(serverId, address).map(Inputs::effective);
    }

    /** The inputs of the server's budget, asking the server unless they are known already. */
    public Uni<Inputs> inputs(String serverId, ServerAddress address) {
        Inputs cached = known.get(serverId);
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        return store.byId(serverId)
                .chain(server -> {
                    Integer own = server == null ? null : server.connectionBudget;
                    boolean holdsCatalog = server != null && server.usesCatalogConnection;
                    return settings(address).map(s -> new Inputs(s.getInteger("max_connections"),
                            s.getInteger("superuser_reserved"), s.getInteger("reserved"), holdsCatalog ? catalogPools : 0,
                            config.replicas(), config.adminSize(), migrationWorkers, own,
                            config.connectionBudget().orElse(null)));
                })
                .invoke(inputs -> {
                    if (known.put(serverId, inputs) == null) {
                        register(serverId);
                    }
                });
    }

    private Uni<Row> settings(ServerAddress address) {
        return PgConnection.connect(vertx, address.connectOptions(address.maintenanceDb()))
                .chain(c -> c.query(SETTINGS_SQL).execute()
                        .map(rows -> rows.iterator().next())
                        .eventually(c::close));
    }

    private void register(String serverId) {
        Gauge.builder("keyhub.db.server.max.connections", known, k -> figure(k, serverId, Inputs::maxConnections))
                .tag("server", serverId).description("The server's max_connections").register(registry);
        Gauge.builder("keyhub.db.server.reserved.connections", known,
                k -> figure(k, serverId, i -> i.superuserReserved() + i.reservedConnections()))
                .tag("server", serverId).description("Connections the server keeps for superusers and reserved roles")
                .register(registry);
        Gauge.builder("keyhub.tenant.connections.budget.derived", known, k -> figure(k, serverId, Inputs::derived))
                .tag("server", serverId).description("The budget the server's settings leave for this replica")
                .register(registry);
    }

    private static double figure(Map<String, Inputs> known, String serverId, java.util.function.ToIntFunction<Inputs> f) {
        Inputs inputs = known.get(serverId);
        return inputs == null ? Double.NaN : f.applyAsInt(inputs);
    }

    /** Forgets what is known of a server's budget, after the server was changed. */
    public void forget(String serverId) {
        known.remove(serverId);
    }
}
