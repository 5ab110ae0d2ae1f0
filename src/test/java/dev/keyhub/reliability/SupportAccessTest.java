package dev.keyhub.reliability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * Audited support access: a supporter (realm role platform-support) opens a read-only session in one tenant with a
 * reason; it reads, and every write route of the API refuses it with the tenant's database unchanged; it is in both
 * audit logs and in the tenant admins' session list; ending it, by the supporter or a tenant admin, or suspending the
 * tenant, ends it at once; it reaches no other tenant.
 */
@QuarkusTest
class SupportAccessTest {

    private static String supporter() {
        return Tokens.claims("supporter-1", "platform-support").sign();
    }

    private static Response open(Tenants.Created t, Object body) {
        return given().auth().oauth2(supporter()).contentType(ContentType.JSON).body(body)
                .post("/admin/tenants/" + t.id() + "/support-sessions");
    }

    private static String openToken(Tenants.Created t) {
        return open(t, Map.of("reason", "Customer ticket 4711: cannot see their projects", "minutes", 15)).then()
                .statusCode(201).body("token", startsWith("khp_")).body("tenantSlug", equalTo(t.slug()))
                .body("expiresAt", notNullValue()).extract().path("token");
    }

    @Test
    void onlySupportersOpenSessionsWithAReasonForAtMostAnHour() {
        var t = Tenants.create("sup-open");
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("reason", "looking"))
                .post("/admin/tenants/" + t.id() + "/support-sessions").then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("reason", "looking"))
                .post("/admin/tenants/" + t.id() + "/support-sessions").then().statusCode(403);
        open(t, Map.of("minutes", 10)).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("reason_required"));
        open(t, Map.of("reason", "ok ticket", "minutes", 61)).then().statusCode(400).body("code", equalTo("invalid_duration"));
        open(t, Map.of("reason", "ok ticket", "minutes", 0)).then().statusCode(400).body("code", equalTo("invalid_duration"));
        assertEquals(0L, (Long) Catalog.query("keyhub", "SELECT count(*) FROM support_sessions WHERE tenant_id = ?::uuid",
                t.id()).get(0).get(0));
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + t.id() + "/suspend").then().statusCode(200);
        open(t, Map.of("reason", "ok ticket")).then().statusCode(409).body("code", equalTo("tenant_not_active"));
    }

    @Test
    void aSupportSessionReadsIsAuditedAndShownToAdminsAndEndsAtOnce() {
        var t = Tenants.create("sup-read");
        var member = Members.add(t, "member");
        String support = openToken(t);
        String base = "/api/tenants/" + t.slug();

        given().auth().oauth2(support).get(base + "/users").then().statusCode(200).body("items.id", hasItem(member.userId()));
        given().auth().oauth2(support).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(t.slug())).body("name", equalTo("Support: supporter-1"));
        given().auth().oauth2(support).queryParam("action", "support.session_opened").get(base + "/audit-log").then()
                .statusCode(200).body("items.details.reason", hasItem("Customer ticket 4711: cannot see their projects"));
        given().auth().oauth2(Tokens.platformAdmin()).queryParam("tenant", t.id()).queryParam("action", "support.session_opened")
                .get("/admin/audit-log").then().statusCode(200).body("items.actor", hasItem("supporter-1"));

        // The tenant's admins see it among their sessions; members do not.
        String id = given().auth().oauth2(Members.ownerToken(t)).get(base + "/sessions").then().statusCode(200)
                .body("[0].support.agent", equalTo("supporter-1")).extract().path("[0].id");
        given().auth().oauth2(member.token()).get(base + "/sessions").then().statusCode(200)
                .body("support.agent", org.hamcrest.Matchers.not(hasItem("supporter-1")));
        // An admin ends it: the very next request is refused.
        given().auth().oauth2(Members.ownerToken(t)).delete(base + "/sessions/" + id).then().statusCode(204);
        given().auth().oauth2(support).get(base + "/users").then().statusCode(401);
        given().auth().oauth2(Members.ownerToken(t)).queryParam("action", "support.session_ended").get(base + "/audit-log")
                .then().statusCode(200).body("items.resourceId", hasItem(id));

        // The supporter ends another one; suspension ends a third, and resuming does not bring it back.
        String second = openToken(t);
        String secondId = given().auth().oauth2(supporter()).queryParam("tenant", t.id()).get("/admin/support-sessions")
                .then().statusCode(200).extract().path("find { it.live }.id");
        given().auth().oauth2(supporter()).delete("/admin/support-sessions/" + secondId).then().statusCode(200)
                .body("live", equalTo(false));
        given().auth().oauth2(second).get(base + "/users").then().statusCode(401);
        given().auth().oauth2(supporter()).delete("/admin/support-sessions/" + secondId).then().statusCode(404);
        String third = openToken(t);
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + t.id() + "/suspend").then().statusCode(200);
        given().auth().oauth2(third).get(base + "/users").then().statusCode(401);
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + t.id() + "/resume").then().statusCode(200);
        given().auth().oauth2(third).get(base + "/users").then().statusCode(401);

        // Expired is over too.
        String fourth = openToken(t);
        Catalog.query("keyhub", "UPDATE support_sessions SET created_at = now() - interval '30 minutes', "
                + "expires_at = now() - interval '1 second' WHERE ended_at IS NULL AND tenant_id = ?::uuid RETURNING 1", t.id());
        given().auth().oauth2(fourth).get(base + "/users").then().statusCode(401);
    }

    @Test
    void everyWriteRouteRefusesASupportSessionAndNothingChanges() {
        var t = Tenants.create("sup-write");
        var member = Members.add(t, "member");
        String code = Members.code(t, "member", 5);
        String support = openToken(t);
        List<String> wrong = new ArrayList<>();
        int writes = 0;
        try (DbSnapshot db = DbSnapshot.of(t.databaseName())) {
            Map<String, String> before = db.take();
            for (ApiOperations.Operation op : ApiOperations.load()) {
                if (!op.tenantRoute() || !op.writes()) {
                    continue;
                }
                writes++;
                String path = op.path().replace("{tenant}", t.slug());
                Map<String, String> ids = new HashMap<>(Map.of("id", member.userId(), "userId", member.userId(),
                        "key", "some.key", "task", member.userId(), "domain", "example.com"));
                for (var e : ids.entrySet()) {
                    path = path.replace("{" + e.getKey() + "}", e.getValue());
                }
                for (String name : List.of(t.slug(), "current")) {
                    String target = path.replace("/api/tenants/" + t.slug(), "/api/tenants/" + name);
                    Response r = given().auth().oauth2(support).contentType(ContentType.JSON).body("{\"name\":\"x\",\"role\":\"admin\"}")
                            .request(op.method(), target);
                    if (r.statusCode() != 403 || !"support_read_only".equals(r.path("code"))) {
                        wrong.add(op + " (" + name + ") → " + r.statusCode() + " " + r.asString());
                    }
                }
            }
            // Joining with the tenant's own code, and moving the session elsewhere, are refused too.
            given().auth().oauth2(support).contentType(ContentType.JSON).body(Map.of("code", code)).post("/api/join")
                    .then().statusCode(403).body("code", equalTo("support_read_only"));
            given().auth().oauth2(support).contentType(ContentType.JSON).body(Map.of("tenant", t.slug())).post("/auth/switch")
                    .then().statusCode(403).body("code", equalTo("support_read_only"));
            assertEquals(before, db.take(), "the tenant's database changed: " + DbSnapshot.diff(before, db.take()));
        }
        assertTrue(writes >= 20, "the API has its write routes: " + writes);
        assertEquals(List.of(), wrong);
    }

    @Test
    void aSupportSessionReachesNoOtherTenant() {
        var a = Tenants.create("sup-a");
        var b = Tenants.create("sup-b");
        String support = openToken(a);
        for (String path : List.of("/api/tenants/" + b.slug() + "/users", "/api/tenants/" + b.id() + "/users",
                "/api/tenants/" + b.slug() + "/audit-log", "/api/tenants/" + b.slug() + "/me")) {
            given().auth().oauth2(support).get(path).then().statusCode(403).body("code", equalTo("tenant_mismatch"));
        }
        given().auth().oauth2(support).header("Host", b.slug() + ".tenants.test").get("/api/tenants/current/users").then()
                .statusCode(403);
        // Not the platform API either: a support session is no platform admin.
        given().auth().oauth2(support).get("/admin/tenants").then().statusCode(403);
        given().auth().oauth2(support).get("/api/me/tenants").then().statusCode(200).body("tenants.size()", equalTo(0));
    }
}
