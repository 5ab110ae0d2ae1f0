package dev.keyhub.reliability;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Not part of the test suite (run by {@code reliability/kill-recovery}, under failsafe after the jar is
 * packaged): the packaged KeyHub is SIGKILLed during provisioning, during a migration job and during a tenant
 * move, and started again. Checks that every tenant is fully created or cleanly rolled back, that the job
 * carries on to its end, that the move is undone or finished, that no tenant database lacks a catalog row
 * and no live row lacks a database, and that the admin API shows what happened; prints a table.
 */
class KillRecoveryDrill {

    static final Path TARGET = Path.of("target");
    static final Set<String> DONE = Set.of("SUCCEEDED", "FAILED", "HALTED", "CANCELLED");

    private final ObjectMapper json = new ObjectMapper();
    private final List<String[]> table = new ArrayList<>();
    private EmbeddedPostgres catalog;
    private EmbeddedPostgres second;
    private PackagedKeyHub app;
    private String admin;

    @Test
    void everythingIsDoneOrUndoneAfterAKill() throws Exception {
        catalog = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "drill-catalog", true);
        catalog.createDatabase("keyhub");
        second = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "drill-second", true);
        // Short staleness so that the drill need not wait ten minutes for the sweep to take over.
        app = new PackagedKeyHub(TARGET.resolve("kill-recovery-app.log"), catalog, Map.of(
                "KEYHUB_PROVISIONING_STALE_AFTER", "5s",
                "KEYHUB_MIGRATIONS_STALE_AFTER", "10s",
                "KEYHUB_CREDENTIALS_SECOND_USERNAME", "postgres",
                "KEYHUB_CREDENTIALS_SECOND_PASSWORD", "postgres"), List.of("-Xmx384m"));
        try {
            app.start();
            admin = PackagedKeyHub.token("drill-admin", Map.of(), "platform-admin");
            PackagedKeyHub.Answer registered = app.call("POST", "/admin/db-servers", admin, """
                    {"id":"second","host":"127.0.0.1","port":%d,"region":"eu","capacity":1000,"credentialsRef":"second"}"""
                    .formatted(second.port()));
            check("setup", "second server registered", registered.status() + "", registered.status() == 201);
            provisioning();
            migration();
            move();
            orphans("end");
        } finally {
            print();
            app.stop();
            catalog.stop();
            second.stop();
        }
        assertTrue(table.stream().allMatch(r -> r[3].equals("ok")), "every check passed (see the table)");
    }

    // --- 1. Provisioning -------------------------------------------------------------------------------------

    private void provisioning() throws Exception {
        Map<String, Integer> outcome = new ConcurrentHashMap<>();
        AtomicBoolean go = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(8);
        for (int w = 0; w < 8; w++) {
            int worker = w;
            clients.submit(() -> {
                for (int i = 0; go.get(); i++) {
                    String slug = "kill-" + UUID.randomUUID().toString().substring(0, 8);
                    outcome.put(slug, 0);
                    int status = app.call("POST", "/admin/tenants", admin, tenantBody(slug, (worker + i) % 2 == 0 ? "eu" : "default"))
                            .status();
                    outcome.put(slug, status);
                    if (status < 0) {
                        return;
                    }
                }
            });
        }
        await(Duration.ofSeconds(120), () -> outcome.values().stream().filter(s -> s == 201).count() >= 24);
        app.kill();
        go.set(false);
        clients.shutdown();
        clients.awaitTermination(60, TimeUnit.SECONDS);
        Set<String> answered = new HashSet<>();
        Set<String> cut = new HashSet<>();
        outcome.forEach((slug, status) -> (status == 201 ? answered : cut).add(slug));
        int inCatalogAtKill = count("SELECT count(*) FROM tenants WHERE status IN ('PROVISIONING', 'FAILED')");
        check("provisioning", "SIGKILL with creations in flight",
                answered.size() + " answered 201, " + cut.size() + " cut off, " + inCatalogAtKill + " rows PROVISIONING", !cut.isEmpty());

        Thread.sleep(6_000); // past stale-after, so the first sweep takes the rows over
        Duration started = app.start();
        Duration swept = await(Duration.ofSeconds(90),
                () -> count("SELECT count(*) FROM tenants WHERE status IN ('PROVISIONING', 'FAILED', 'DELETING')") == 0);
        check("provisioning", "restart; sweep finishes every PROVISIONING row",
                "ready in " + started.toMillis() + " ms, swept " + swept.toMillis() + " ms later", true);

        int servedAnswered = 0;
        for (String slug : answered) {
            servedAnswered += status(slug).equals("ACTIVE") && served(slug) ? 1 : 0;
        }
        check("provisioning", "every 201 tenant ACTIVE and served", servedAnswered + "/" + answered.size(),
                servedAnswered == answered.size());
        int completed = 0;
        int rolledBack = 0;
        int broken = 0;
        for (String slug : cut) {
            String status = status(slug);
            if (status == null) {
                rolledBack++;
            } else if (status.equals("ACTIVE") && served(slug)) {
                completed++;
            } else {
                broken++;
            }
        }
        check("provisioning", "every cut-off tenant ACTIVE and served, or gone",
                completed + " completed, " + rolledBack + " rolled back, " + broken + " neither", broken == 0);
        JsonNode undone = get("/admin/audit-log?action=tenant.provisioning_undone&size=200").path("items");
        JsonNode created = get("/admin/audit-log?action=tenant.created&size=200").path("items");
        check("provisioning", "audit log: tenant.created, tenant.provisioning_undone",
                created.size() + " created, " + undone.size() + " undone by keyhub-recovery",
                created.size() >= answered.size() && undone.size() == inCatalogAtKill);
        orphans("provisioning");
    }

    // --- 2. A migration job --------------------------------------------------------------------------------

    private void migration() throws Exception {
        int tenants = count("SELECT count(*) FROM tenants WHERE status = 'ACTIVE'");
        JsonNode job = json.readTree(app.call("POST", "/admin/migrations", admin,
                "{\"target\":\"1.0.0\",\"direction\":\"rollback\",\"concurrency\":1,\"canary\":1}").body());
        String id = job.path("id").asText();
        await(Duration.ofSeconds(120), () -> {
            JsonNode view = get("/admin/migrations/" + id);
            return view.path("progress").path("apply").path("SUCCEEDED").asLong() >= 3 || DONE.contains(view.path("state").asText());
        });
        app.kill();
        int atKill = count("SELECT count(*) FROM migration_tasks WHERE job_id = '" + id + "' AND phase = 'apply' AND state = 'SUCCEEDED'");
        int runningAtKill = count("SELECT count(*) FROM migration_tasks WHERE job_id = '" + id + "' AND state = 'RUNNING'");
        check("migration", "SIGKILL during a rollback job over " + tenants + " tenants",
                atKill + " applied, " + runningAtKill + " running at the kill", atKill < tenants);

        Duration started = app.start();
        Duration finished = await(Duration.ofSeconds(180), () -> DONE.contains(get("/admin/migrations/" + id).path("state").asText()));
        JsonNode view = get("/admin/migrations/" + id);
        long applied = 0;
        for (JsonNode task : view.path("tasks")) {
            applied += task.path("phase").asText().equals("apply") && task.path("state").asText().equals("SUCCEEDED") ? 1 : 0;
        }
        check("migration", "restart; the job continues to its end",
                view.path("state").asText() + " " + finished.toMillis() + " ms after ready (ready in " + started.toMillis()
                        + " ms); " + applied + " apply tasks SUCCEEDED",
                view.path("state").asText().equals("SUCCEEDED") && applied == tenants);
        int behind = count("SELECT count(*) FROM tenants WHERE status = 'ACTIVE' AND (schema_version <> '1.0.0' OR frozen_for IS NOT NULL)");
        int withGroups = 0;
        for (String[] t : liveTenants()) {
            withGroups += exists(t[1], t[0], "SELECT 1 FROM pg_tables WHERE tablename = 'groups'") ? 1 : 0;
        }
        check("migration", "every tenant at 1.0.0 in the catalog and in its database",
                behind + " behind or flagged, " + withGroups + " databases still with 1.1.0 tables", behind == 0 && withGroups == 0);

        String back = json.readTree(app.call("POST", "/admin/migrations", admin, "{\"target\":\"1.1.0\",\"concurrency\":4}").body())
                .path("id").asText();
        await(Duration.ofSeconds(180), () -> DONE.contains(get("/admin/migrations/" + back).path("state").asText()));
        String state = get("/admin/migrations/" + back).path("state").asText();
        check("migration", "a job back to 1.1.0 afterwards", state, state.equals("SUCCEEDED"));
        orphans("migration");
    }

    // --- 3. A tenant move ----------------------------------------------------------------------------------

    private void move() throws Exception {
        String slug = "kill-move-" + UUID.randomUUID().toString().substring(0, 8);
        JsonNode tenant = json.readTree(app.call("POST", "/admin/tenants", admin, tenantBody(slug, "default")).body());
        String id = tenant.path("id").asText();
        String database = tenant.path("databaseName").asText();
        try (Connection c = connect(catalog, database)) {
            c.createStatement().execute("INSERT INTO users (email, name) SELECT 'bulk' || g || '@example.com', 'Bulk ' || g "
                    + "FROM generate_series(1, 400000) g");
        }
        long users = countOn(catalog, database, "SELECT count(*) FROM users");
        var moving = app.send("POST", "/admin/tenants/" + id + "/move", admin, "{\"server\":\"second\"}", Duration.ofMinutes(5));
        await(Duration.ofSeconds(60), () -> existsOn(second, database) || moving.isDone());
        Thread.sleep(300);
        boolean copying = !moving.isDone();
        app.kill();
        check("move", "SIGKILL while copying " + users + " rows to the second server",
                copying ? "copy in progress" : "the move had already ended: " + moving.join().status(), copying);

        Thread.sleep(6_000);
        app.start();
        Duration swept = await(Duration.ofSeconds(90),
                () -> count("SELECT count(*) FROM tenants WHERE id = '" + id + "' AND moving_to IS NULL AND moving_from IS NULL") == 1);
        String server = query("SELECT db_server_id || ' ' || coalesce(frozen_for, 'writable') FROM tenants WHERE id = '" + id + "'");
        boolean onDefault = server.equals("default writable");
        check("move", "restart; sweep undoes the move", "tenant on " + server + " after " + swept.toMillis() + " ms",
                onDefault);
        check("move", "one copy only, on the original server, rows intact",
                "default: " + existsOn(catalog, database) + ", second: " + existsOn(second, database) + ", users "
                        + countOn(catalog, database, "SELECT count(*) FROM users"),
                existsOn(catalog, database) && !existsOn(second, database)
                        && countOn(catalog, database, "SELECT count(*) FROM users") == users);
        String owner = PackagedKeyHub.token("owner-" + slug, Map.of());
        int write = app.call("PATCH", "/api/tenants/" + slug + "/me", owner, "{\"name\":\"Writes again\"}").status();
        check("move", "the tenant takes writes again", "PATCH /me " + write, write == 200);
        JsonNode audit = get("/admin/audit-log?tenant=" + id).path("items");
        check("move", "audit log shows the undone move", actions(audit), actions(audit).contains("tenant.move_undone"));

        PackagedKeyHub.Answer again = app.call("POST", "/admin/tenants/" + id + "/move", admin, "{\"server\":\"second\"}");
        boolean moved = again.status() == 200 && existsOn(second, database) && !existsOn(catalog, database)
                && countOn(second, database, "SELECT count(*) FROM users") == users && served(slug);
        check("move", "the move done again without a kill", "status " + again.status() + ", " + again.nanos() / 1_000_000
                + " ms, served from second: " + moved, moved);
        orphans("move");
    }

    // --- Shared checks -------------------------------------------------------------------------------------

    /** Every tenant database on a server has a catalog row (tenant or spare), every live row its database. */
    private void orphans(String phase) throws SQLException {
        for (EmbeddedPostgres server : List.of(catalog, second)) {
            String id = server == catalog ? "default" : "second";
            Set<String> databases = new HashSet<>(strings(server, "postgres",
                    "SELECT datname FROM pg_database WHERE datname LIKE 'kh\\_t\\_%'"));
            Set<String> live = new HashSet<>(strings(catalog, "keyhub", "SELECT database_name FROM tenants WHERE db_server_id = '"
                    + id + "' AND status IN ('ACTIVE', 'SUSPENDED')"));
            Set<String> known = new HashSet<>(live);
            known.addAll(strings(catalog, "keyhub", "SELECT database_name FROM tenants WHERE (db_server_id = '" + id
                    + "' AND status = 'DELETED' AND purged_at IS NULL) OR moving_to = '" + id + "' OR moving_from = '" + id + "'"));
            known.addAll(strings(catalog, "keyhub", "SELECT 'kh_t_' || replace(id::text, '-', '') FROM spare_databases "
                    + "WHERE db_server_id = '" + id + "'"));
            Set<String> orphaned = new HashSet<>(databases);
            orphaned.removeAll(known);
            Set<String> missing = new HashSet<>(live);
            missing.removeAll(databases);
            check(phase, "no orphan databases on " + id, databases.size() + " databases, " + orphaned.size()
                    + " without a row, " + missing.size() + " live rows without a database", orphaned.isEmpty() && missing.isEmpty());
        }
    }

    private boolean served(String slug) {
        return app.call("GET", "/api/tenants/" + slug + "/me", PackagedKeyHub.token("owner-" + slug, Map.of()), null)
                .status() == 200;
    }

    private static String tenantBody(String slug, String region) {
        return """
                {"slug":"%s","name":"Drill %s","type":"team","region":"%s",
                 "owner":{"subject":"owner-%s","email":"owner-%s@example.com","name":"Owner"}}"""
                .formatted(slug, slug, region, slug, slug);
    }

    private JsonNode get(String path) {
        try {
            return json.readTree(app.call("GET", path, admin, null).body());
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }

    private static String actions(JsonNode items) {
        List<String> out = new ArrayList<>();
        items.forEach(i -> out.add(i.path("action").asText() + "(" + i.path("actor").asText() + ")"));
        return String.join(", ", out);
    }

    private String status(String slug) {
        String s = query("SELECT status FROM tenants WHERE slug = '" + slug + "'");
        return s.isEmpty() ? null : s;
    }

    /** Id and server of every ACTIVE tenant. */
    private List<String[]> liveTenants() throws SQLException {
        List<String[]> out = new ArrayList<>();
        try (Connection c = connect(catalog, "keyhub"); ResultSet rs = c.createStatement()
                .executeQuery("SELECT database_name, db_server_id FROM tenants WHERE status = 'ACTIVE'")) {
            while (rs.next()) {
                out.add(new String[] { rs.getString(1), rs.getString(2) });
            }
        }
        return out;
    }

    private boolean exists(String serverId, String database, String sql) throws SQLException {
        try (Connection c = connect(serverId.equals("default") ? catalog : second, database)) {
            return c.createStatement().executeQuery(sql).next();
        }
    }

    private static boolean existsOn(EmbeddedPostgres server, String database) {
        try {
            return !strings(server, "postgres", "SELECT datname FROM pg_database WHERE datname = '" + database + "'").isEmpty();
        } catch (SQLException e) {
            return false;
        }
    }

    private static long countOn(EmbeddedPostgres server, String database, String sql) throws SQLException {
        try (Connection c = connect(server, database); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private int count(String sql) {
        try {
            return (int) countOn(catalog, "keyhub", sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private String query(String sql) {
        try {
            List<String> rows = strings(catalog, "keyhub", sql);
            return rows.isEmpty() ? "" : rows.get(0);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> strings(EmbeddedPostgres server, String database, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = connect(server, database); PreparedStatement ps = c.prepareStatement(sql);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static Connection connect(EmbeddedPostgres server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), "postgres", "postgres");
    }

    private static Duration await(Duration limit, Supplier<Boolean> condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.get()) {
            if (System.nanoTime() - start > limit.toNanos()) {
                throw new AssertionError("not reached within " + limit);
            }
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private void check(String phase, String what, String observed, boolean ok) {
        table.add(new String[] { phase, what, observed, ok ? "ok" : "FAILED" });
    }

    private void print() {
        System.out.println();
        System.out.println("== reliability/kill-recovery: SIGKILL of the packaged KeyHub, then a restart ==");
        System.out.printf(Locale.ROOT, "%-13s %-58s %-6s %s%n", "phase", "check", "result", "observed");
        for (String[] r : table) {
            System.out.printf(Locale.ROOT, "%-13s %-58s %-6s %s%n", r[0], r[1], r[3], r[2]);
        }
        System.out.println();
    }
}
