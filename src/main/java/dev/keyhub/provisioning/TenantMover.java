package dev.keyhub.provisioning;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyManager;
import org.postgresql.copy.CopyOut;
import org.postgresql.core.BaseConnection;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.SchemaVersions;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.catalog.TenantRepository;
import dev.keyhub.catalog.TenantRepository.MoveSource;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.servers.TenantRoles;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Moves a tenant's database to another server. The tenant is read-only meanwhile (writes get 503): its
 * database is created on the target from the target's template (which must be at the tenant's version),
 * every table is streamed across with {@code COPY} in one transaction, the row counts of every table are
 * compared, and only then is routing switched and the old copy dropped. A failure before the switch drops
 * the new copy and leaves the tenant where it was; {@code moving_to} in the catalog lets the recovery
 * sweep finish the clean-up after a crash. Blocking: runs on a worker thread.
 */
@ApplicationScoped
public class TenantMover {

    private static final Logger LOG = Logger.getLogger(TenantMover.class);

    private final DataSource catalog;
    private final DbServers servers;
    private final TenantDirectory directory;
    private final TenantPools pools;

    public TenantMover(DataSource catalog, DbServers servers, TenantDirectory directory, TenantPools pools) {
        this.catalog = catalog;
        this.servers = servers;
        this.directory = directory;
        this.pools = pools;
    }

    private record Source(String slug, String database, SchemaVersions versions, DbServer from, TenantStatus status) {
    }

    /** Moves the tenant to {@code target}; returns the number of rows copied. */
    public long move(UUID tenant, String target) throws SQLException {
        Source source = source(tenant);
        DbServer to = server(target);
        if (to == null || !"active".equals(to.status)) {
            throw ProblemException.badRequest("unknown_server", "No active database server '" + target + "'.");
        }
        if (to.id.equals(source.from().id)) {
            throw ProblemException.conflict("same_server", "The tenant already lives on '" + target + "'.");
        }
        SchemaVersions template = new SchemaVersions(to.templateVersion, to.templateProductVersion);
        if (!source.versions().equals(template)) {
            throw ProblemException.conflict("version_mismatch", "The tenant is at " + describe(source.versions())
                    + " but the target's template at " + describe(template) + "; migrate first.");
        }
        ServerAddress fromAddress = servers.addressOf(source.from());
        ServerAddress toAddress = servers.addressOf(to);
        begin(tenant, to.id, source.slug());
        long rows;
        try {
            execute(toAddress, toAddress.maintenanceDb(), "CREATE DATABASE " + DatabaseAdmin.quoteIdentifier(source.database())
                    + " TEMPLATE " + DatabaseAdmin.quoteIdentifier(to.templateDatabase));
            // The tenant's role follows it, refusing logins on the target as on the source while suspended.
            execute(toAddress, toAddress.maintenanceDb(),
                    TenantRoles.adoptSql(toAddress, source.database(), source.status() == TenantStatus.ACTIVE));
            rows = copy(fromAddress, toAddress, source.database());
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Moving tenant %s to %s failed: %s", tenant, target, e.getMessage());
            dropQuietly(toAddress, source.database());
            end(tenant, null, source.slug());
            throw e instanceof ProblemException p ? p
                    : new ProblemException(500, "move_failed", "Move failed",
                            "The tenant could not be copied to '" + target + "'; it stays where it was.");
        }
        end(tenant, to.id, source.slug());
        pools.evict(tenant).await().indefinitely();
        dropQuietly(fromAddress, source.database());
        try (Connection c = catalog.getConnection()) {
            TenantRepository.oldCopyDropped(c, tenant);
        }
        return rows;
    }

    /** Streams every table across in one target transaction, then compares row counts before committing. */
    private static long copy(ServerAddress from, ServerAddress to, String database) throws SQLException {
        try (Connection src = from.connect(database); Connection dst = to.connect(database)) {
            src.setAutoCommit(false);
            src.createStatement().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            dst.setAutoCommit(false);
            CopyManager out = new CopyManager(src.unwrap(BaseConnection.class));
            CopyManager in = new CopyManager(dst.unwrap(BaseConnection.class));
            long total = 0;
            for (String table : tables(src)) {
                String name = DatabaseAdmin.quoteIdentifier(table);
                CopyOut reader = out.copyOut("COPY (SELECT * FROM " + name + ") TO STDOUT (FORMAT binary)");
                CopyIn writer = in.copyIn("COPY " + name + " FROM STDIN (FORMAT binary)");
                byte[] chunk;
                while ((chunk = reader.readFromCopy()) != null) {
                    writer.writeToCopy(chunk, 0, chunk.length);
                }
                long copied = writer.endCopy();
                long expected = count(src, name);
                if (copied != expected || count(dst, name) != expected) {
                    throw new SQLException("row count of " + table + " differs after the copy");
                }
                total += copied;
            }
            dst.commit();
            src.commit();
            return total;
        }
    }

    /** The tenant's tables (partitioned tables as one), in an order where referenced tables come first. */
    static List<String> tables(Connection c) throws SQLException {
        List<String> ordered = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                WITH RECURSIVE t AS (
                    SELECT oid, relname FROM pg_class
                    WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition
                      AND relname NOT LIKE 'databasechangelog%'),
                deps AS (
                    SELECT t.oid, 0 AS depth FROM t
                    UNION ALL
                    SELECT f.conrelid, d.depth + 1 FROM pg_constraint f JOIN deps d ON f.confrelid = d.oid
                    WHERE f.contype = 'f' AND f.conrelid <> f.confrelid AND d.depth < 20)
                SELECT t.relname FROM t JOIN deps ON deps.oid = t.oid
                GROUP BY t.relname ORDER BY max(deps.depth), t.relname""")) {
            while (rs.next()) {
                ordered.add(rs.getString("relname"));
            }
        }
        return ordered;
    }

    private static long count(Connection c, String quotedTable) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) AS n FROM " + quotedTable)) {
            rs.next();
            return rs.getLong("n");
        }
    }

    private Source source(UUID tenant) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            MoveSource found = TenantRepository.moveSource(c, tenant)
                    .orElseThrow(() -> ProblemException.notFound("tenant_not_found", "No tenant " + tenant + "."));
            if (found.status() != TenantStatus.ACTIVE && found.status() != TenantStatus.SUSPENDED) {
                throw ProblemException.conflict("invalid_state", "Only an active or suspended tenant can be moved.");
            }
            if (found.movingTo() != null) {
                throw ProblemException.conflict("move_in_progress", "The tenant is already being moved.");
            }
            return new Source(found.slug(), found.databaseName(), found.versions(), server(found.dbServerId()),
                    found.status());
        }
    }

    private static String describe(SchemaVersions versions) {
        return versions.keyhub() + (versions.product() == null ? "" : " (product release " + versions.product() + ")");
    }

    private DbServer server(String id) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            return ServerStore.byId(c, id);
        }
    }

    /**
     * Records the move and makes the tenant read-only; pools are closed so no write is left in flight. A tenant
     * frozen for another reason (a migration applying to it) is not moved meanwhile.
     */
    private void begin(UUID tenant, String target, String slug) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            if (!TenantRepository.beginMove(c, tenant, target)) {
                throw ProblemException.conflict("tenant_frozen",
                        "The tenant is already being moved, or a migration is being applied to it; try again later.");
            }
        }
        directory.forget(slug, tenant).await().indefinitely();
        pools.evict(tenant).await().indefinitely();
    }

    /** Ends the move: switches routing to {@code movedTo} if given, and lets the tenant take writes again. */
    private void end(UUID tenant, String movedTo, String slug) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            TenantRepository.endMove(c, tenant, movedTo);
        }
        directory.forget(slug, tenant).await().indefinitely();
    }

    /** Drops a copy of the tenant's database and its role there. */
    private static void dropQuietly(ServerAddress server, String database) {
        try {
            for (String sql : DatabaseAdmin.dropStatements(database)) {
                execute(server, server.maintenanceDb(), sql);
            }
        } catch (SQLException e) {
            LOG.warnf(e, "Could not drop %s on %s: %s", database, server, e.getMessage());
        }
    }

    /** Runs one statement (or a string of them) on a database of a server, on a connection of its own. */
    static void execute(ServerAddress server, String database, String sql) throws SQLException {
        try (Connection c = server.connect(database); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
