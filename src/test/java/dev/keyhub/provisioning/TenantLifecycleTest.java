package dev.keyhub.provisioning;

import static org.hamcrest.Matchers.nullValue;

import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

@QuarkusTest
class TenantLifecycleTest {

    @Inject
    ProvisioningRecovery recovery;

    private static String admin(Tenants.Created t) {
        return "/admin/tenants/" + t.id();
    }

    @Test
    void suspendedTenantsKeepTheirDataAndAnswerWithAProblem() {
        var t = Tenants.create("susp");
        String me = "/api/tenants/" + t.slug() + "/me";
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200)
                .body("status", equalTo("SUSPENDED"));
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200);
        given().auth().oauth2(Members.ownerToken(t)).get(me).then().statusCode(403)
                .contentType("application/problem+json").body("code", equalTo("tenant_suspended"));
        assertTrue(Catalog.databaseExists(t.databaseName()));
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/resume").then().statusCode(200)
                .body("status", equalTo("ACTIVE"));
        given().auth().oauth2(Members.ownerToken(t)).get(me).then().statusCode(200).body("role", equalTo("admin"));
        given().auth().oauth2(Members.ownerToken(t)).post(admin(t) + "/suspend").then().statusCode(403);
    }

    @Test
    void deletionIsSoftUntilTheGracePeriodEnds() {
        var t = Tenants.create("soft");
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t)).then().statusCode(200)
                .body("status", equalTo("DELETED")).body("purgeAfter", notNullValue());
        assertTrue(Catalog.databaseExists(t.databaseName()), "kept during the grace period");
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").then().statusCode(410);
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/resume").then().statusCode(409)
                .body("code", equalTo("invalid_state"));

        Catalog.query("keyhub", "UPDATE tenants SET purge_after = now() - interval '1 second' WHERE id = ?::uuid RETURNING id",
                t.id());
        recovery.sweep();
        assertFalse(Catalog.databaseExists(t.databaseName()), "purged after the grace period");
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t)).then().body("purgedAt", notNullValue());
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/stats").then().statusCode(410);
    }

    @Test
    void aDeletedTenantComesBackWithItsDataInsideItsGracePeriod() {
        var t = Tenants.create("undelete");
        String owner = Members.ownerToken(t);
        String groups = "/api/tenants/" + t.slug() + "/groups";
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "kept")).post(groups).then().statusCode(201);
        var other = Tenants.create("undelete-other");
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/undelete").then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("invalid_state"));

        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        given().auth().oauth2(owner).get(groups).then().statusCode(410);
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/undelete").then().statusCode(200)
                .body("status", equalTo("ACTIVE")).body("deletedAt", nullValue()).body("purgeAfter", nullValue());
        given().auth().oauth2(owner).get(groups).then().statusCode(200).body("name", hasItem("kept"));
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "after")).post(groups).then().statusCode(201);
        // Only its own tenant came back: another tenant's owner still cannot reach it.
        given().auth().oauth2(Members.ownerToken(other)).get(groups).then().statusCode(403);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/audit-log?tenant=" + t.id()).then().statusCode(200)
                .body("items.action", hasItem("tenant.undeleted"));

        // Its slug taken by another tenant meanwhile: refused, and it stays deleted.
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        Tenants.post(Tenants.body(t.slug(), "owner-new-" + t.slug())).then().statusCode(201);
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/undelete").then().statusCode(409)
                .body("code", equalTo("slug_taken"));
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t)).then().body("status", equalTo("DELETED"));

        // Past its grace period: gone for good.
        var late = Tenants.create("undelete-late");
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(late)).then().statusCode(204);
        Catalog.query("keyhub", "UPDATE tenants SET purge_after = now() - interval '1 second' WHERE id = ?::uuid RETURNING id",
                late.id());
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(late) + "/undelete").then().statusCode(410)
                .body("code", equalTo("tenant_purged"));
        // Purged here rather than by the scheduled sweep, whose audit entry would land in whatever test runs then.
        recovery.sweep();
        assertFalse(Catalog.databaseExists(late.databaseName()));
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + java.util.UUID.randomUUID() + "/undelete")
                .then().statusCode(404);
    }

    @Test
    void purgingASoftDeletedTenantDropsItsDatabaseNow() {
        var t = Tenants.create("purge");
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", "true").delete(admin(t)).then().statusCode(204);
        assertFalse(Catalog.databaseExists(t.databaseName()));
    }

    @Test
    void aCloneHasTheDataAndThenLivesItsOwnLife() {
        var source = Tenants.create("src");
        var member = Members.add(source, "member");
        given().auth().oauth2(Members.ownerToken(source)).contentType(ContentType.JSON).body(Map.of("value", "copied"))
                .put("/api/tenants/" + source.slug() + "/settings/motto").then().statusCode(200);
        given().auth().oauth2(member.token()).post("/api/tenants/" + source.slug() + "/sessions").then().statusCode(201);

        String slug = Tenants.uniqueSlug("copy");
        var response = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Copy")).post(admin(source) + "/clone");
        response.then().statusCode(201).body("slug", equalTo(slug)).body("status", equalTo("ACTIVE"))
                .body("schemaVersion", equalTo("1.1.0"));
        String cloneDb = response.path("databaseName");

        given().auth().oauth2(Members.ownerToken(source)).get("/api/tenants/" + slug + "/settings/motto").then()
                .statusCode(200).body("value", equalTo("copied"));
        given().auth().oauth2(member.token()).get("/api/tenants/" + slug + "/me").then().statusCode(200)
                .body("role", equalTo("member"));
        assertEquals(0L, Catalog.query(cloneDb, "SELECT count(*) FROM sessions").get(0).get(0));
        assertEquals(0L, Catalog.query(cloneDb, "SELECT count(*) FROM join_codes WHERE revoked_at IS NULL").get(0).get(0));

        // Independent afterwards; the source serves again.
        given().auth().oauth2(Members.ownerToken(source)).contentType(ContentType.JSON).body(Map.of("value", "source only"))
                .put("/api/tenants/" + source.slug() + "/settings/motto").then().statusCode(200);
        given().auth().oauth2(Members.ownerToken(source)).get("/api/tenants/" + slug + "/settings/motto").then()
                .body("value", equalTo("copied"));

        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Again")).post(admin(source) + "/clone").then().statusCode(409)
                .body("code", equalTo("slug_taken"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", "BAD", "name", "x")).post(admin(source) + "/clone").then().statusCode(400);
    }

    @Test
    void schemaReportShowsVersionPendingChangesetsAndDrift() {
        var t = Tenants.create("drift");
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/schema").then().statusCode(200)
                .body("version", equalTo("1.1.0")).body("newestRelease", equalTo("1.1.0"))
                .body("pendingChangesets.size()", equalTo(0))
                .body("onlyInTenant.size()", equalTo(0)).body("onlyInTemplate.size()", equalTo(0));
        // Someone changes the tenant database by hand.
        Catalog.execute(t.databaseName(), "ALTER TABLE users ADD COLUMN shoe_size integer", "DROP INDEX users_created_at");
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/schema").then().statusCode(200)
                .body("onlyInTenant", hasItem(org.hamcrest.Matchers.startsWith("column users.shoe_size integer")))
                .body("onlyInTemplate", hasItem(org.hamcrest.Matchers.containsString("users_created_at")));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + java.util.UUID.randomUUID() + "/schema")
                .then().statusCode(404);
    }

    @Test
    void statsHealthAndThePlatformAuditLog() throws Exception {
        var t = Tenants.create("stats");
        Members.add(t, "viewer");
        given().auth().oauth2(Tokens.platformAdmin()).get(admin(t) + "/stats").then().statusCode(200)
                .body("members", equalTo(2)).body("schemaVersion", equalTo("1.1.0"))
                .body("databaseSizeBytes", greaterThan(1_000_000));

        var gone = Tenants.create("vanished");
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE " + gone.databaseName() + " WITH (FORCE)");
        }
        var health = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then().statusCode(200)
                .body("unreachable", greaterThan(0)).extract();
        List<Map<String, Object>> probes = health.path("tenants");
        Map<String, Object> ok = probes.stream().filter(p -> p.get("slug").equals(t.slug())).findFirst().orElseThrow();
        Map<String, Object> missing = probes.stream().filter(p -> p.get("slug").equals(gone.slug())).findFirst().orElseThrow();
        assertEquals(true, ok.get("reachable"));
        assertEquals(false, missing.get("reachable"));
        assertEquals("database_missing", missing.get("error"));
        // The dropped database gives a clear error on the tenant API too, and nothing else is affected.
        given().auth().oauth2(Members.ownerToken(gone)).get("/api/tenants/" + gone.slug() + "/me").then().statusCode(503)
                .body("code", equalTo("tenant_database_missing"));
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete(admin(gone)).then().statusCode(204);

        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200);
        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(409);
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("tenant", t.id()).get("/admin/audit-log").then()
                .statusCode(200)
                .body("items.action", equalTo(List.of("tenant.suspended", "tenant.deleted", "tenant.suspended",
                        "tenant.created")))
                .body("items.outcome", equalTo(List.of("failure", "success", "success", "success")))
                .body("items[0].details.error", equalTo("invalid_state"))
                .body("items.actor", hasItem("platform-admin-1"));
        given().auth().oauth2(Tokens.user("nobody")).get("/admin/audit-log").then().statusCode(403);
    }
}
