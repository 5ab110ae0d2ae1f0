package dev.keyhub.migration;

import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

import static dev.keyhub.support.Jobs.DONE;
import static dev.keyhub.support.Jobs.await;
import static dev.keyhub.support.Jobs.start;

/**
 * Migration jobs against real tenant databases, with test-only releases 9.1.0 (adds a column, takes a
 * second) and 9.2.0 (a unique index that fails on duplicate names). The last test rolls everything back to
 * 1.1.0 with a rollback job, so that other test classes find the schema they expect.
 */
@QuarkusTest
@TestProfile(MigrationJobsTest.TestReleases.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MigrationJobsTest {

    public static class TestReleases implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.schema.changelog", "db/tenant-test/changelog.xml",
                    "keyhub.schema.template-version", "1.1.0",
                    "keyhub.migrations.poll", "100ms",
                    "keyhub.migrations.stale-after", "20s");
        }
    }

    private static Map<String, Object> job(String target, List<String> tenantIds) {
        Map<String, Object> body = new HashMap<>();
        body.put("target", target);
        body.put("tenants", Map.of("ids", tenantIds));
        return body;
    }

    private static String version(Tenants.Created t) {
        return (String) Catalog.query(t.databaseName(),
                "SELECT tag FROM databasechangelog WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1").get(0).get(0);
    }

    private static void duplicateNames(Tenants.Created t) {
        Catalog.query(t.databaseName(), "INSERT INTO users (email, name) VALUES ('d1@example.com', 'Twin'), "
                + "('d2@example.com', 'Twin') RETURNING id");
    }

    @Test
    @Order(1)
    void aGoodReleaseIsRolledOutWhileTheTenantRefusesWritesOnlyDuringItsOwnTask() {
        var a = Tenants.create("mig-a");
        var b = Tenants.create("mig-b");
        var c = Tenants.create("mig-c");
        var bystander = Tenants.create("mig-other");
        Map<String, Object> body = job("9.1.0", List.of(a.id(), b.id(), c.id()));
        body.put("concurrency", 1);
        String id = start(body);

        // While a tenant's own task runs: reads work, writes get 503; other tenants write normally.
        boolean sawMigrating = false;
        long deadline = System.currentTimeMillis() + 30_000;
        while (!sawMigrating && System.currentTimeMillis() < deadline) {
            for (var t : List.of(a, b, c)) {
                if ("MIGRATION".equals(Catalog.query("keyhub", "SELECT frozen_for FROM tenants WHERE id = ?::uuid",
                        t.id()).get(0).get(0))) {
                    var write = given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON)
                            .body(Map.of("name", "x")).patch("/api/tenants/" + t.slug() + "/me");
                    if (write.statusCode() == 503) {
                        write.then().header("Retry-After", notNullValue()).body("code", equalTo("tenant_migrating"));
                        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me")
                                .then().statusCode(200);
                        given().auth().oauth2(Members.ownerToken(bystander)).contentType(ContentType.JSON)
                                .body(Map.of("name", "y")).patch("/api/tenants/" + bystander.slug() + "/me")
                                .then().statusCode(200);
                        sawMigrating = true;
                    }
                }
            }
        }
        assertTrue(sawMigrating, "a write during the tenant's own task was refused");

        // A tenant created while the job runs starts at the target (the template moved first).
        var newcomer = Tenants.create("mig-new");
        await(id, DONE).body("state", equalTo("SUCCEEDED")).body("progress.percent", equalTo(100.0f))
                .body("tasks.findAll { it.phase == 'apply' }.toVersion", equalTo(List.of("9.1.0", "9.1.0", "9.1.0")))
                .body("tasks.findAll { it.phase == 'apply' }.fromVersion", equalTo(List.of("1.1.0", "1.1.0", "1.1.0")));
        for (var t : List.of(a, b, c, newcomer)) {
            assertEquals("9.1.0", version(t));
        }
        assertEquals("1.1.0", version(bystander), "not selected, not touched");
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + a.id()).then().body("schemaVersion", equalTo("9.1.0"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + newcomer.id()).then()
                .body("schemaVersion", equalTo("9.1.0"));
        // Liquibase itself reads the history the job wrote: only the next release is pending, and the tenant's
        // shape matches the template's.
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + a.id() + "/schema").then().statusCode(200)
                .body("version", equalTo("9.1.0"))
                .body("pendingChangesets", equalTo(List.of("keyhub-test::9.2.0-pause", "keyhub-test::9.2.0-unique-names",
                        "keyhub-test::test-tag-9.2.0")))
                .body("onlyInTenant", empty()).body("onlyInTemplate", empty());
    }

    @Test
    @Order(2)
    void aChangesetThatFailsOnOneTenantsDataIsCaughtByTheDryRun() {
        var good = Tenants.create("dry-good");
        var bad = Tenants.create("dry-bad");
        duplicateNames(bad);
        String id = start(job("9.2.0", List.of(good.id(), bad.id())));
        await(id, DONE).body("state", equalTo("FAILED"))
                .body("reason", equalTo("The dry run failed on 1 tenant(s); nothing was applied."))
                .body("tasks.find { it.slug == '" + bad.slug() + "' && it.phase == 'dry_run' }.state", equalTo("FAILED"))
                .body("tasks.find { it.slug == '" + bad.slug() + "' && it.phase == 'dry_run' }.error",
                        org.hamcrest.Matchers.containsString("users_name_unique"));
        assertEquals("9.1.0", version(good), "nothing applied anywhere");
        assertEquals("9.1.0", version(bad));
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/retry").then().statusCode(409);
    }

    @Test
    @Order(3)
    void aFailureMidRolloutHaltsTheJobAndARetryFinishesIt() {
        var canary = Tenants.create("halt-1");
        var second = Tenants.create("halt-2");
        var third = Tenants.create("halt-3");
        // From 1.1.0 every task includes 9.1.0, which takes a second: time enough to pause after the canary starts.
        Map<String, Object> body = job("9.2.0", List.of(canary.id(), second.id(), third.id()));
        body.put("concurrency", 1);
        body.put("canary", 1);
        String id = start(body);
        await(id, Set.of("RUNNING", "SUCCEEDED"));
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/pause").then().statusCode(200)
                .body("state", equalTo("PAUSED"));
        // The data changes after the dry run: the third tenant now has duplicate names.
        duplicateNames(third);
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/pause").then().statusCode(409);
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/resume").then().statusCode(200);
        await(id, DONE).body("state", equalTo("HALTED")).body("reason", org.hamcrest.Matchers.containsString("1 task(s) failed"));
        // Every tenant is at exactly one known version: 9.2.0, or 9.1.0 where it failed.
        assertEquals("9.2.0", version(canary));
        assertEquals("9.1.0", version(third));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + third.id()).then().body("schemaVersion", equalTo("9.1.0"));

        Catalog.query(third.databaseName(), "DELETE FROM users WHERE name = 'Twin' RETURNING id");
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/retry").then().statusCode(200);
        await(id, DONE).body("state", equalTo("SUCCEEDED"));
        for (var t : List.of(canary, second, third)) {
            assertEquals("9.2.0", version(t));
        }
    }

    @Test
    @Order(4)
    void aJobSurvivesTheLossOfTheReplicaRunningIt() {
        var t = Tenants.create("crash");
        await(start(job("9.2.0", List.of(t.id()))), DONE).body("state", equalTo("SUCCEEDED"));
        // A job whose task a vanished replica had claimed: it is handed back and completed.
        String id = UUID.randomUUID().toString();
        // Job and task in one statement, so that no runner sees the job without its task.
        Catalog.query("keyhub", "WITH j AS (INSERT INTO migration_jobs (id, direction, target, state, concurrency, canary, "
                + "current_wave, on_error, max_failures, selector) VALUES (?::uuid, 'rollback', '9.1.0', 'RUNNING', 1, 1, 1, "
                + "'halt', 0, '{}') RETURNING id) "
                + "INSERT INTO migration_tasks (job_id, tenant_id, phase, wave, state, claimed_by, claimed_at, started_at) "
                + "SELECT j.id, ?::uuid, 'apply', 1, 'RUNNING', 'dead-replica', now() - interval '1 hour', "
                + "now() - interval '1 hour' FROM j RETURNING id", id, t.id());
        await(id, DONE).body("state", equalTo("SUCCEEDED"));
        assertEquals("9.1.0", version(t), "rolled back to 9.1.0 by the adopted task");
    }

    @Test
    @Order(5)
    void jobsAreValidatedAndOneRunsAtATime() throws Exception {
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("target", "7.7.7"))
                .post("/admin/migrations").then().statusCode(400).body("code", equalTo("unknown_target"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("onError", "explode"))
                .post("/admin/migrations").then().statusCode(400).body("errors.field", hasItem("onError"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("concurrency", 0))
                .post("/admin/migrations").then().statusCode(400);
        given().auth().oauth2(Tokens.user("someone")).contentType(ContentType.JSON).body(Map.of())
                .post("/admin/migrations").then().statusCode(403);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/migrations/" + UUID.randomUUID()).then().statusCode(404);

        // A tenant at 9.2.0 (the template's version by now) and a job taking it back to 9.1.0, whose task waits on
        // the tenant's changelog lock held here: the job is certainly still running when the second one is asked.
        var t = Tenants.create("one-at-a-time");
        assertEquals("9.2.0", version(t));
        Map<String, Object> body = job("9.1.0", List.of(t.id()));
        body.put("direction", "rollback");
        String id;
        try (Connection hold = Catalog.connect(t.databaseName())) {
            hold.setAutoCommit(false);
            try (var st = hold.createStatement()) {
                st.executeQuery("SELECT locked FROM databasechangeloglock WHERE id = 1 FOR UPDATE").close();
            }
            id = start(body);
            given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body).post("/admin/migrations")
                    .then().statusCode(409).body("code", equalTo("migration_in_progress"));
            given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/cancel").then().statusCode(200)
                    .body("state", equalTo("CANCELLED"));
            hold.rollback();
        }
        // The task that had started finishes on its own; the next test needs the tenant settled.
        long deadline = System.currentTimeMillis() + 60_000;
        while ((long) Catalog.query("keyhub", "SELECT count(*) FROM migration_tasks WHERE job_id = ?::uuid "
                + "AND state = 'RUNNING'", id).get(0).get(0) > 0) {
            assertTrue(System.currentTimeMillis() < deadline, "the cancelled job's task is still running");
            Thread.sleep(100);
        }
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/migrations/" + id + "/cancel").then().statusCode(409);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/migrations").then().statusCode(200)
                .body("id", hasItem(id));
    }

    @Test
    @Order(6)
    void rollingBackToATagIsAJobTooAndAJobWithNothingToDoFinishesAtOnce() {
        // Back to 1.1.0 everywhere (template included), which also leaves the schema other tests expect.
        Map<String, Object> body = new HashMap<>();
        body.put("target", "1.1.0");
        body.put("direction", "rollback");
        body.put("concurrency", 4);
        body.put("onError", "continue");
        body.put("maxFailures", 1000);
        String id = start(body);
        await(id, DONE).body("state", equalTo("SUCCEEDED"));
        var fresh = Tenants.create("after-rollback");
        assertEquals("1.1.0", version(fresh));
        assertEquals(0L, Catalog.query("keyhub", "SELECT count(*) FROM tenants WHERE status IN ('ACTIVE', 'SUSPENDED') "
                + "AND schema_version <> '1.1.0'").get(0).get(0));

        // Nothing to apply: no tasks at all, so no tenant database is opened.
        String noop = start(Map.of("target", "1.1.0", "direction", "rollback"));
        await(noop, DONE).body("state", equalTo("SUCCEEDED")).body("tasks.size()", equalTo(0));
    }
}
