package dev.keyhub.provisioning;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.quarkus.scheduler.Scheduled;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;

/**
 * Finishes what a crash or an unreachable server left half-done, and purges deleted tenants: a tenant still
 * PROVISIONING long after it started, or FAILED, has its database dropped and its row removed; a tenant
 * still DELETING, or DELETED past its grace period, has its database dropped and is marked purged. Runs at
 * start-up and then every minute, on a worker thread.
 */
@ApplicationScoped
public class ProvisioningRecovery {

    private static final Logger LOG = Logger.getLogger(ProvisioningRecovery.class);

    private final DataSource catalog;
    private final DbServers servers;
    private final Duration staleAfter;

    public ProvisioningRecovery(DataSource catalog, DbServers servers, ProvisioningConfig config) {
        this.catalog = catalog;
        this.servers = servers;
        this.staleAfter = config.staleAfter();
    }

    /** A second after start-up, then every minute; a sweep still going when the next is due makes it skip. */
    @Scheduled(every = "60s", delayed = "1s", concurrentExecution = ConcurrentExecution.SKIP)
    void scheduledSweep() {
        sweep();
    }

    /** One pass over unfinished tenants; returns how many were finished. Blocking. */
    public int sweep() {
        reopenClosedDatabases();
        finishMoves();
        int done = 0;
        for (Unfinished t : unfinished()) {
            try {
                ServerAddress server = servers.addressOf(t.server);
                dropDatabase(server, t.databaseName);
                if (finish(t)) {
                    audit(t.beingDeleted() ? "tenant.purged" : "tenant.provisioning_undone",
                            t.id, "status", t.status.name());
                }
                done++;
                LOG.infof("Recovered tenant %s left %s", t.id, t.status);
            } catch (SQLException | RuntimeException e) {
                LOG.warnf(e, "Could not yet recover tenant %s (%s): %s", t.id, t.status, e.getMessage());
            }
        }
        return done;
    }

    /**
     * A clone closes its source to new connections for the moment of the copy; if the replica died then, the
     * source would stay closed. Reopens the database of every active or suspended tenant found closed.
     */
    private void reopenClosedDatabases() {
        List<DbServer> hosts;
        try (Connection c = catalog.getConnection()) {
            hosts = ServerStore.active(c);
        } catch (SQLException e) {
            LOG.warnf(e, "Could not list database servers: %s", e.getMessage());
            return;
        }
        for (DbServer host : hosts) {
            ServerAddress server;
            try {
                server = servers.addressOf(host);
            } catch (DbServers.Unconfigured e) {
                continue; // reported at start-up; nothing can be done on it from here
            }
            try (Connection c = server.connect(server.maintenanceDb()); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(
                            "SELECT datname FROM pg_database WHERE NOT datallowconn AND datname LIKE 'kh\\_t\\_%'")) {
                List<String> closed = new ArrayList<>();
                while (rs.next()) {
                    closed.add(rs.getString("datname"));
                }
                for (String database : closed) {
                    if (liveTenantDatabase(host.id, database)) {
                        try (Statement alter = c.createStatement()) {
                            alter.execute("ALTER DATABASE " + DatabaseAdmin.quoteIdentifier(database) + " ALLOW_CONNECTIONS true");
                            LOG.infof("Reopened %s, left closed by an interrupted clone", database);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                LOG.warnf(e, "Could not check server %s for closed databases: %s", host.id, e.getMessage());
            }
        }
    }

    /**
     * A move interrupted before its switch leaves a copy on the target (dropped, the tenant stays and takes
     * writes again); one interrupted after it leaves the old copy (dropped).
     */
    private void finishMoves() {
        List<Interrupted> work = new ArrayList<>();
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT id, database_name, coalesce(moving_to, moving_from) AS server_id, moving_to IS NOT NULL AS before_switch
                FROM tenants
                WHERE (moving_to IS NOT NULL OR moving_from IS NOT NULL) AND updated_at < now() - ?::interval""")) {
            ps.setString(1, staleAfter.toSeconds() + " seconds");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    work.add(new Interrupted(rs.getObject("id", UUID.class), rs.getString("database_name"),
                            rs.getString("server_id"), rs.getBoolean("before_switch")));
                }
            }
            for (Interrupted w : work) {
                DbServer host = serverRow(c, w.serverId());
                dropDatabase(servers.addressOf(host), w.databaseName());
                try (PreparedStatement done = c.prepareStatement(w.beforeSwitch()
                        ? "UPDATE tenants SET moving_to = NULL, frozen_for = NULL WHERE id = ? AND frozen_for = 'MOVE'"
                        : "UPDATE tenants SET moving_from = NULL WHERE id = ?")) {
                    done.setObject(1, w.tenantId());
                    done.executeUpdate();
                }
                audit(w.beforeSwitch() ? "tenant.move_undone" : "tenant.move_finished", w.tenantId(),
                        w.beforeSwitch() ? "to" : "from", w.serverId());
                LOG.infof("Finished the interrupted move of tenant %s", w.tenantId());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Could not finish interrupted moves: %s", e.getMessage());
        }
    }

    private static DbServer serverRow(Connection c, String id) throws SQLException {
        return ServerStore.byId(c, id);
    }

    private boolean liveTenantDatabase(String serverId, String database) throws SQLException {
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM tenants WHERE db_server_id = ? AND database_name = ? AND status IN ('ACTIVE', 'SUSPENDED')")) {
            ps.setString(1, serverId);
            ps.setString(2, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** A move a replica left unfinished: the copy to drop is {@code databaseName} on {@code serverId}. */
    private record Interrupted(UUID tenantId, String databaseName, String serverId, boolean beforeSwitch) {
    }

    private record Unfinished(UUID id, TenantStatus status, String databaseName, DbServer server) {

        /** A deletion to finish (the row stays, as DELETED), rather than a creation to undo (the row goes). */
        boolean beingDeleted() {
            return status == TenantStatus.DELETING || status == TenantStatus.DELETED;
        }
    }

    private List<Unfinished> unfinished() {
        List<Unfinished> result = new ArrayList<>();
        try (Connection c = catalog.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT t.id, t.status, t.database_name, %s
                        FROM tenants t JOIN db_servers s ON s.id = t.db_server_id
                        WHERE t.status = 'FAILED'
                           OR (t.status IN ('PROVISIONING', 'DELETING') AND t.updated_at < now() - ?::interval)
                           OR (t.status = 'DELETED' AND t.purged_at IS NULL AND t.purge_after < now())
                        LIMIT 100""".formatted(ServerStore.COLUMNS))) {
            ps.setString(1, staleAfter.toSeconds() + " seconds");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new Unfinished(rs.getObject("id", UUID.class), TenantStatus.valueOf(rs.getString("status")),
                            rs.getString("database_name"), ServerStore.server(rs)));
                }
            }
        } catch (SQLException e) {
            LOG.warnf(e, "Could not look for unfinished tenants: %s", e.getMessage());
        }
        return result;
    }

    private static void dropDatabase(ServerAddress server, String database) throws SQLException {
        try (Connection c = server.connect(server.maintenanceDb()); Statement st = c.createStatement()) {
            st.execute(DatabaseAdmin.dropIfExistsSql(database));
        }
    }

    /** What the sweep finished goes to the platform audit log, since the request that started it left no record. */
    private void audit(String action, UUID tenant, String key, String value) {
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO platform_audit_log (actor, action, tenant_id, outcome, details)
                VALUES ('keyhub-recovery', ?, ?, 'success', jsonb_build_object(?::text, ?::text))""")) {
            ps.setString(1, action);
            ps.setObject(2, tenant);
            ps.setString(3, key);
            ps.setString(4, value);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.errorf(e, "could not write the platform audit log: %s", e.getMessage());
        }
    }

    private boolean finish(Unfinished t) throws SQLException {
        boolean keepRow = t.beingDeleted();
        String sql = keepRow
                ? "UPDATE tenants SET status = 'DELETED', deleted_at = coalesce(deleted_at, now()), purged_at = now() "
                        + "WHERE id = ? AND status = ?"
                : "DELETE FROM tenants WHERE id = ? AND status = ?";
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, t.id);
            ps.setString(2, t.status.name());
            return ps.executeUpdate() > 0;
        }
    }
}
