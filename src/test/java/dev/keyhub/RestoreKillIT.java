package dev.keyhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;
import dev.keyhub.support.ServerSql;

import static dev.keyhub.support.ServerSql.await;
import static dev.keyhub.support.ServerSql.awaitValue;

/**
 * The packaged application killed with SIGKILL in the middle of a restore, and started again: the tenant keeps the
 * data it had before the restore, nothing the restore built is left on the server, and the tenant takes writes
 * again. The kill is timed by a lock, not by a clock: the test holds the tenant's catalog row, so the restore stops
 * at its first heartbeat, in the middle of loading the new database, and is killed there.
 */
class RestoreKillIT {

    private static final Path TARGET = Path.of("target");
    private static final Path LOG = TARGET.resolve("restore-kill-app.log");
    private final ObjectMapper json = new ObjectMapper();
    private EmbeddedPostgres catalog;
    private PackagedKeyHub app;
    private ServerSql sql;

    @Test
    void aRestoreKilledMidwayLeavesTheTenantAsItWas() throws Exception {
        catalog = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "restore-kill", true);
        catalog.createDatabase("keyhub");
        sql = new ServerSql(catalog);
        Path backups = TARGET.resolve("restore-kill-backups").toAbsolutePath();
        app = new PackagedKeyHub(LOG, catalog, Map.of("KEYHUB_BACKUPS_LOCATION", backups.toString(),
                "KEYHUB_PROVISIONING_STALE_AFTER", "2s"), List.of("-Xmx384m"));
        try {
            app.start();
            String admin = PackagedKeyHub.token("restore-kill", Map.of(), "platform-admin");
            PackagedKeyHub.Tenant created = app.createTenant("restore-kill");
            String slug = created.slug();
            String tenant = created.id();
            String database = created.databaseName();
            execute(database, "INSERT INTO audit_log (action, resource_type) SELECT 'bulk', 'test' FROM generate_series(1, 20000)");
            PackagedKeyHub.Answer archived = app.call("POST", "/admin/tenants/" + tenant + "/backups", admin, null);
            assertEquals(201, archived.status(), archived.body());
            String archive = json.readTree(archived.body()).path("name").asText();
            // After the archive: rows the restore would take away.
            execute(database, "DELETE FROM audit_log WHERE action = 'bulk' AND random() < 0.5");
            Map<String, String> before = contents(database);

            try (Connection hold = connect("keyhub")) {
                hold.setAutoCommit(false);
                String into;
                CompletableFuture<PackagedKeyHub.Answer> restore = app.send("POST", "/admin/tenants/" + tenant + "/restore",
                        admin, "{\"archive\":\"" + archive + "\"}", Duration.ofSeconds(120));
                // The restore has begun (its catalog row names the new database): from now on, hold the row.
                into = awaitValue(() -> single("keyhub", "SELECT restoring_into FROM tenants WHERE id = '" + tenant + "'"));
                try (Statement st = hold.createStatement()) {
                    st.execute("SELECT 1 FROM tenants WHERE id = '" + tenant + "' FOR UPDATE");
                }
                await(() -> "1".equals(single("keyhub", "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        + "AND query LIKE 'UPDATE tenants SET restore_heartbeat%'")), "the restore waits at its heartbeat");
                assertTrue(databaseExists(into), "the new database is being built");
                app.kill();
                hold.rollback();
                assertFalse(restore.isDone() && restore.join().status() == 200, "the killed restore did not answer 200");
            }

            assertEquals(before, contents(database), "the tenant's own database is untouched by the killed restore");
            app.start();
            await(() -> single("keyhub", "SELECT frozen_for FROM tenants WHERE id = '" + tenant + "'") == null,
                    "the sweep lifts the freeze");
            assertEquals("0", single("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'kh\\_r\\_%' "
                    + "OR datname LIKE 'kh\\_o\\_%'"), "nothing the restore built is left");
            assertEquals(before, contents(database), "the tenant has the data it had before the restore");
            String owner = created.owner();
            PackagedKeyHub.Answer write = app.call("POST", "/api/tenants/" + slug + "/groups", owner, "{\"name\":\"after\"}");
            assertEquals(201, write.status(), write.body());
            // And a restore now runs to its end.
            PackagedKeyHub.Answer restored = app.call("POST", "/admin/tenants/" + tenant + "/restore", admin,
                    "{\"archive\":\"" + archive + "\"}");
            assertEquals(200, restored.status(), restored.body());
            assertEquals("20000", single(database, "SELECT count(*) FROM audit_log WHERE action = 'bulk'"));
        } catch (AssertionError | Exception e) {
            PackagedKeyHub.printTail(LOG);
            throw e;
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null) {
            app.stop();
        }
        if (catalog != null) {
            catalog.stop();
        }
    }

    private Connection connect(String database) throws SQLException {
        return sql.connect(database);
    }

    private void execute(String database, String statement) throws SQLException {
        sql.execute(database, statement);
    }

    private String single(String database, String query) {
        return sql.single(database, query);
    }

    private boolean databaseExists(String name) throws SQLException {
        try (Connection c = connect("postgres"); PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, name);
            return ps.executeQuery().next();
        }
    }

    private Map<String, String> contents(String database) throws SQLException {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = connect(database); Statement st = c.createStatement()) {
            List<String> tables = new java.util.ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                    + "AND relkind IN ('r', 'p') AND NOT relispartition")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) || ' ' || md5(coalesce(string_agg(md5(x::text), '' ORDER BY "
                        + "md5(x::text)), '')) FROM \"" + t + "\" x")) {
                    rs.next();
                    result.put(t, rs.getString(1));
                }
            }
        }
        return result;
    }
}
