package dev.keyhub.provisioning;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import dev.keyhub.catalog.SpareStore;
import dev.keyhub.schema.SchemaConfig;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;

/**
 * Keeps {@code keyhub.provisioning.spares-per-server} tenant databases per server copied from the template
 * ahead of demand. Provisioning claims one in the same statement that records the tenant, and the spare's
 * id becomes the tenant's id, so the database needs neither a copy nor a rename on the request path.
 * <p>
 * A spare's row is written ({@code creating}) before its database exists and marked {@code ready} after, so
 * a crash leaves a row to clean up, never a database nobody knows of. Spares of an older schema version than
 * their server's template are dropped; a {@code creating} row older than {@code stale-after} is abandoned
 * work and is dropped too. Several replicas share the work through an advisory lock.
 */
@ApplicationScoped
public class Spares {

    private static final Logger LOG = Logger.getLogger(Spares.class);
    private final SpareStore store;
    private final DbServers servers;
    private final DatabaseAdmin databases;
    private final int target;
    private final Duration staleAfter;
    private final String template;
    private final AtomicBoolean running = new AtomicBoolean();

    public Spares(SpareStore store, DbServers servers, DatabaseAdmin databases, ProvisioningConfig config,
            SchemaConfig schema) {
        this.store = store;
        this.servers = servers;
        this.databases = databases;
        this.target = config.sparesPerServer();
        this.staleAfter = config.staleAfter();
        this.template = schema.templateDatabase();
    }

    /** Every {@code spares-interval}; a run still going when the next is due makes it skip. */
    @Scheduled(every = "${keyhub.provisioning.spares-interval}", concurrentExecution = ConcurrentExecution.SKIP)
    Uni<Void> scheduledTopUp() {
        return run();
    }

    /** Starts a top-up in the background unless one is running; called after a spare was claimed. */
    public void topUp() {
        run().subscribe().with(ok -> { });
    }

    /** Drops outdated spares and creates missing ones, unless a top-up is running already. Never fails. */
    private Uni<Void> run() {
        if (!running.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        return dropObsolete().chain(this::create)
                .onTermination().invoke(() -> running.set(false))
                .invoke(created -> {
                    if (created > 0) {
                        LOG.debugf("created %d spare tenant databases", created);
                    }
                })
                .onFailure().invoke(e -> LOG.warnf(e, "Could not top up spare tenant databases: %s", e.getMessage()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** Creates the spares that are missing; returns how many were created. */
    Uni<Integer> create() {
        if (target <= 0) {
            return Uni.createFrom().item(0);
        }
        return store.reserve(target, servers.configuredCredentials())
                .onItem().transformToMulti(reserved -> Multi.createFrom().iterable(reserved))
                .onItem().transformToUniAndConcatenate(spare -> createOne(spare.id(), spare.serverId()))
                .collect().asList().map(list -> (int) list.stream().filter(Boolean::booleanValue).count());
    }

    private Uni<Boolean> createOne(UUID id, String serverId) {
        String database = ProvisioningService.databaseName(id);
        return servers.address(serverId)
                .chain(server -> databases.createFromTemplate(server, database, template)
                        .chain(() -> store.markReady(id))
                        .replaceWith(true)
                        .onFailure().call(e -> databases.dropIfExists(server, database)
                                .chain(() -> delete(id)).onFailure().recoverWithNull()))
                .onFailure().recoverWithItem(e -> {
                    LOG.warnf(e, "Could not create spare %s: %s", database, e.getMessage());
                    return false;
                });
    }

    /** Drops spares whose schema is outdated, and abandoned half-created ones. */
    Uni<Void> dropObsolete() {
        return store.obsolete(staleAfter)
                .onItem().transformToMulti(obsolete -> Multi.createFrom().iterable(obsolete))
                .onItem().transformToUniAndConcatenate(this::dropOne)
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> dropOne(SpareStore.Spare spare) {
        UUID id = spare.id();
        return servers.address(spare.serverId())
                .chain(server -> databases.dropIfExists(server, ProvisioningService.databaseName(id)))
                .chain(() -> delete(id))
                .onFailure().recoverWithNull();
    }

    private Uni<Void> delete(UUID id) {
        return store.delete(id);
    }
}
