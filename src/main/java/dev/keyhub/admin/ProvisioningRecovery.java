package dev.keyhub.admin;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.tenancy.DbServers;
import dev.keyhub.tenancy.ServerAddress;
import dev.keyhub.tenancy.TenancyConfig;
import dev.keyhub.tenancy.Templates;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;

/**
 * Finishes what a crash or an unreachable server left half-done: a tenant still PROVISIONING long after it
 * started, or FAILED, has its database dropped and its row removed; a tenant still DELETING has its
 * database dropped and becomes DELETED. Runs at start-up and then every minute, on a worker thread.
 */
@ApplicationScoped
public class ProvisioningRecovery {

    private static final Logger LOG = Logger.getLogger(ProvisioningRecovery.class);

    private final DataSource catalog;
    private final DbServers servers;
    private final Duration staleAfter;

    public ProvisioningRecovery(DataSource catalog, DbServers servers, TenancyConfig config) {
        this.catalog = catalog;
        this.servers = servers;
        this.staleAfter = config.provisioning().staleAfter();
    }

    void onStart(@Observes @Priority(2000) StartupEvent event, Vertx vertx) {
        vertx.setPeriodic(1_000, 60_000, id -> vertx.executeBlocking(() -> {
            sweep();
            return null;
        }, false));
    }

    /** One pass over unfinished tenants; returns how many were finished. Blocking. */
    public int sweep() {
        int done = 0;
        for (Unfinished t : unfinished()) {
            try {
                ServerAddress server = servers.addressOf(t.server);
                dropDatabase(server, t.databaseName);
                finish(t);
                done++;
                LOG.infof("Recovered tenant %s left %s", t.id, t.status);
            } catch (SQLException | RuntimeException e) {
                LOG.warnf("Could not yet recover tenant %s (%s): %s", t.id, t.status, e.getMessage());
            }
        }
        return done;
    }

    private record Unfinished(UUID id, String status, String databaseName, DbServer server) {
    }

    private List<Unfinished> unfinished() {
        List<Unfinished> result = new ArrayList<>();
        try (Connection c = catalog.getConnection();
                PreparedStatement ps = c.prepareStatement("""
                        SELECT t.id, t.status, t.database_name, s.id, s.host, s.port, s.maintenance_db,
                               s.uses_catalog_connection, s.credentials_ref
                        FROM tenants t JOIN db_servers s ON s.id = t.db_server_id
                        WHERE t.status = 'FAILED'
                           OR (t.status IN ('PROVISIONING', 'DELETING') AND t.updated_at < now() - ?::interval)
                        LIMIT 100""")) {
            ps.setString(1, staleAfter.toSeconds() + " seconds");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    DbServer s = new DbServer();
                    s.id = rs.getString(4);
                    s.host = rs.getString(5);
                    s.port = (Integer) rs.getObject(6);
                    s.maintenanceDb = rs.getString(7);
                    s.usesCatalogConnection = rs.getBoolean(8);
                    s.credentialsRef = rs.getString(9);
                    result.add(new Unfinished(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3), s));
                }
            }
        } catch (SQLException e) {
            LOG.warnf("Could not look for unfinished tenants: %s", e.getMessage());
        }
        return result;
    }

    private static void dropDatabase(ServerAddress server, String database) throws SQLException {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl(server.maintenanceDb()), server.user(),
                server.password()); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + Templates.quoteIdentifier(database) + " WITH (FORCE)");
        }
    }

    private void finish(Unfinished t) throws SQLException {
        String sql = "DELETING".equals(t.status)
                ? "UPDATE tenants SET status = 'DELETED', deleted_at = now() WHERE id = ? AND status = 'DELETING'"
                : "DELETE FROM tenants WHERE id = ? AND status = ?";
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, t.id);
            if (!"DELETING".equals(t.status)) {
                ps.setString(2, t.status);
            }
            ps.executeUpdate();
        }
    }
}
