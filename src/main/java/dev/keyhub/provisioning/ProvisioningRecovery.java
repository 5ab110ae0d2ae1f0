package dev.keyhub.provisioning;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled.ConcurrentExecution;
import io.quarkus.scheduler.Scheduled;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantRepository.InterruptedMove;
import dev.keyhub.catalog.TenantRepository.Unfinished;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.servers.TenantRoles;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.TenancyConfig;

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
    private final TenantBackups backups;
    private final MemberIndex index;
    private final Duration indexStaleAfter;

    public ProvisioningRecovery(DataSource catalog, DbServers servers, ProvisioningConfig config, TenantBackups backups,
            MemberIndex index, TenancyConfig tenancy) {
        this.index = index;
        this.indexStaleAfter = tenancy.memberIndexStaleAfter();
        this.catalog = catalog;
        this.servers = servers;
        this.staleAfter = config.staleAfter();
        this.backups = backups;
    }

    /** A second after start-up, then every minute; a sweep still going when the next is due makes it skip. */
    @Scheduled(every = "60s", delayed = "1s", concurrentExecution = ConcurrentExecution.SKIP)
    void scheduledSweep() {
        sweep();
    }

    /** One pass over unfinished tenants; returns how many were finished. Blocking. */
    public int sweep() {
        Map<DbServer, ServerAddress> reachable = new java.util.LinkedHashMap<>();
        for (DbServer host : activeHosts()) {
            try {
                reachable.put(host, servers.addressOf(host));
            } catch (DbServers.Unconfigured e) {
                // reported at start-up; nothing can be done on it from here
            }
        }
        reachable.forEach(this::reopenClosedDatabases);
        finishMoves();
        int done = 0;
        try {
            done += backups.recover(staleAfter.toSeconds());
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Could not yet finish interrupted restores: %s", e.getMessage());
        }
        try {
            int reindexed = index.reconcile(indexStaleAfter).await().atMost(Duration.ofMinutes(5));
            if (reindexed > 0) {
                LOG.infof("Brought the member index of %d tenant(s) up to date", reindexed);
            }
        } catch (RuntimeException e) {
            LOG.warnf("Could not yet bring the member index up to date: %s", e.getMessage());
        }
        for (Unfinished t : unfinished()) {
            try {
                ServerAddress server = servers.addressOf(t.server());
                dropDatabase(server, t.databaseName());
                if (finish(t)) {
                    audit(t.beingDeleted() ? "tenant.purged" : "tenant.provisioning_undone",
                            t.id(), "status", t.status().name());
                }
                done++;
                LOG.infof("Recovered tenant %s left %s", t.id(), t.status());
            } catch (SQLException | RuntimeException e) {
                LOG.warnf(e, "Could not yet recover tenant %s (%s): %s", t.id(), t.status(), e.getMessage());
            }
        }
        // After the unfinished tenants, so that the roles of the databases just dropped are gone too.
        reachable.forEach(this::reconcileRoles);
        return done;
    }

    private List<DbServer> activeHosts() {
        try (Connection c = catalog.getConnection()) {
            return ServerStore.active(c);
        } catch (SQLException e) {
            LOG.warnf(e, "Could not list database servers: %s", e.getMessage());
            return List.of();
        }
    }

    /**
     * A clone closes its source to new connections for the moment of the copy; if the replica died then, the
     * source would stay closed. Reopens the database of every active or suspended tenant found closed.
     */
    private void reopenClosedDatabases(DbServer host, ServerAddress server) {
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

    /**
     * Brings the tenant roles of a server in line with the catalog. A role whose database is gone (a crash between
     * dropping the two) is dropped. A role may log in exactly while its tenant is ACTIVE (a crash, or an unreachable
     * server, between the catalog's change and the role's). Vended credentials that expired, or whose tenant role is
     * gone, are dropped. Spares and tenants being created or moved here are left alone. Runs after the unfinished
     * tenants were finished, so that their roles are gone too.
     */
    void reconcileRoles(DbServer host, ServerAddress server) {
        Map<String, TenantStatus> statuses;
        try (Connection c = catalog.getConnection()) {
            statuses = TenantRepository.statusByDatabase(c, host.id);
        } catch (SQLException e) {
            LOG.warnf(e, "Could not read the tenants of server %s: %s", host.id, e.getMessage());
            return;
        }
        try (Connection c = server.connect(server.maintenanceDb())) {
            Map<String, String> fixes = new java.util.LinkedHashMap<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(ROLES_SQL)) {
                while (rs.next()) {
                    String role = rs.getString("rolname");
                    TenantStatus status = statuses.get(role);
                    if (!rs.getBoolean("has_database")) {
                        fixes.put("dropped the orphan role " + role, TenantRoles.dropSql(role));
                    } else if (status != null && rs.getBoolean("rolcanlogin") != (status == TenantStatus.ACTIVE)) {
                        boolean login = status == TenantStatus.ACTIVE;
                        fixes.put((login ? "allowed" : "refused") + " the logins of " + role + " (tenant " + status + ")",
                                TenantRoles.loginSql(role, login));
                    } else if (status != null && status != TenantStatus.ACTIVE && rs.getBoolean("has_credentials")) {
                        // Issued while the tenant was being suspended or deleted.
                        fixes.put("revoked the credentials of " + role + " (tenant " + status + ")",
                                TenantRoles.revokeCredentialsSql(role));
                    }
                }
            }
            for (Map.Entry<String, String> fix : fixes.entrySet()) {
                try (Statement st = c.createStatement()) {
                    st.execute(fix.getValue());
                    LOG.infof("Recovery on server %s: %s", host.id, fix.getKey());
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute(TenantRoles.DROP_STALE_CREDENTIALS_SQL);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Could not reconcile the tenant roles of server %s: %s", host.id, e.getMessage());
        }
    }

    /**
     * The tenant roles of a server, whether they may log in, whether their database exists, and whether they have
     * vended credentials.
     */
    private static final String ROLES_SQL = """
            SELECT r.rolname, r.rolcanlogin, d.datname IS NOT NULL AS has_database,
                   EXISTS (SELECT FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
                           WHERE a.roleid = r.oid AND m.rolname LIKE 'kh\\_c\\_%') AS has_credentials
            FROM pg_roles r LEFT JOIN pg_database d ON d.datname = r.rolname
            WHERE r.rolname LIKE 'kh\\_t\\_%'""";

    /**
     * A move interrupted before its switch leaves a copy on the target (dropped, the tenant stays and takes
     * writes again); one interrupted after it leaves the old copy (dropped).
     */
    private void finishMoves() {
        try (Connection c = catalog.getConnection()) {
            for (InterruptedMove w : TenantRepository.interruptedMoves(c, staleAfter)) {
                DbServer host = serverRow(c, w.serverId());
                dropDatabase(servers.addressOf(host), w.databaseName());
                if (w.beforeSwitch()) {
                    TenantRepository.undoMove(c, w.tenantId());
                } else {
                    TenantRepository.oldCopyDropped(c, w.tenantId());
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
        try (Connection c = catalog.getConnection()) {
            return TenantRepository.isLiveDatabase(c, serverId, database);
        }
    }

    private List<Unfinished> unfinished() {
        try (Connection c = catalog.getConnection()) {
            return TenantRepository.unfinished(c, staleAfter);
        } catch (SQLException e) {
            LOG.warnf(e, "Could not look for unfinished tenants: %s", e.getMessage());
            return new ArrayList<>();
        }
    }

    private static void dropDatabase(ServerAddress server, String database) throws SQLException {
        try (Connection c = server.connect(server.maintenanceDb()); Statement st = c.createStatement()) {
            for (String sql : DatabaseAdmin.dropStatements(database)) {
                st.execute(sql);
            }
        }
    }

    /** What the sweep finished goes to the platform audit log, since the request that started it left no record. */
    private void audit(String action, UUID tenant, String key, String value) {
        try (Connection c = catalog.getConnection()) {
            PlatformAudit.recordRecovery(c, action, tenant, key, value);
        } catch (SQLException e) {
            LOG.errorf(e, "could not write the platform audit log: %s", e.getMessage());
        }
    }

    private boolean finish(Unfinished t) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            return TenantRepository.finish(c, t);
        }
    }
}
