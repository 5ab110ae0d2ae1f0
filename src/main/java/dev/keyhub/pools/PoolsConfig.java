package dev.keyhub.pools;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Per-tenant connection pools and the connection budget. */
@ConfigMapping(prefix = "keyhub.pools")
public interface PoolsConfig {

    /**
     * Most connections one tenant's pool may open. A pool starts with one and takes another only while the
     * tenant's requests queue and its server's budget has room.
     */
    @WithDefault("8")
    int maxSizePerTenant();

    /**
     * Most connections all tenant pools of this replica may hold on one database server, for every server
     * registered without a budget of its own. Unset (the default): derived from each server's
     * {@code max_connections} (see {@link ConnectionBudgets}).
     */
    Optional<Integer> connectionBudget();

    /** KeyHub replicas that share each database server; the derived budget is divided among them. */
    @WithDefault("1")
    int replicas();

    /** How long a request waits for a connection (once, from when it asks) before it gets 503. */
    @WithDefault("2s")
    Duration acquireTimeout();

    /**
     * Requests that may wait at once for a connection on one server. Past it a request gets 503 at once
     * instead of joining the queue, so that an overload is answered quickly rather than after the timeout.
     */
    @WithDefault("100")
    int maxWaiters();

    /**
     * A connection unused for this long is closed and its place in the budget given back; a pool with no
     * connection left is dropped.
     */
    @WithDefault("30s")
    Duration idleTimeout();

    /**
     * Connections per server for creating and dropping databases (on its maintenance database), outside
     * the tenant budget.
     */
    @WithDefault("2")
    int adminSize();

    /** The Retry-After, in seconds, sent with a 503 when the budget is exhausted. */
    @WithDefault("1")
    int retryAfterSeconds();
}
