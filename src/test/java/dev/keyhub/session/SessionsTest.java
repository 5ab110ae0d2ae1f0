package dev.keyhub.session;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import static io.restassured.RestAssured.given;

@QuarkusTest
class SessionsTest {

    private static String sessions(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/sessions";
    }

    private static String open(Tenants.Created t, String jwt) {
        return given().auth().oauth2(jwt).header("User-Agent", "KeyHub-Test/1.0").post(sessions(t))
                .then().statusCode(201).extract().path("token");
    }

    @Test
    void aSessionAuthenticatesByBearerOrCookieInItsOwnTenant() {
        var t = Tenants.create("sess");
        var response = given().auth().oauth2(Members.ownerToken(t)).header("User-Agent", "KeyHub-Test/1.0")
                .post(sessions(t));
        response.then().statusCode(201).body("token", startsWith("khs_"))
                .header("Set-Cookie", allOf(containsString("keyhub_session="), containsString("HttpOnly"),
                        containsString("Secure"), containsString("SameSite=Lax")));
        String token = response.path("token");
        String me = "/api/tenants/" + t.slug() + "/me";
        given().auth().oauth2(token).get(me).then().statusCode(200).body("role", equalTo("admin"));
        given().cookie("keyhub_session", token).get(me).then().statusCode(200);
        given().auth().oauth2(token).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(t.slug()));
        given().auth().oauth2(token).get(sessions(t)).then().statusCode(200)
                .body("", hasSize(1)).body("[0].current", equalTo(true)).body("[0].userAgent", equalTo("KeyHub-Test/1.0"));
        assertNotNull(Catalog.query(t.databaseName(), "SELECT last_accessed_at FROM sessions").get(0).get(0));
        // A session opens no further sessions and is no platform admin.
        given().auth().oauth2(token).post(sessions(t)).then().statusCode(403).body("code", equalTo("jwt_required"));
        given().auth().oauth2(token).get("/admin/tenants").then().statusCode(403);
    }

    @Test
    void revokedExpiredOrForgedSessionsAre401() {
        var t = Tenants.create("sess-bad");
        String me = "/api/tenants/" + t.slug() + "/me";
        String one = open(t, Members.ownerToken(t));
        String two = open(t, Members.ownerToken(t));
        String sessionId = given().auth().oauth2(one).get(sessions(t)).path("find { it.current }.id");
        given().auth().oauth2(two).delete(sessions(t) + "/" + sessionId).then().statusCode(204);
        given().auth().oauth2(one).get(me).then().statusCode(401).contentType("application/problem+json");
        given().auth().oauth2(two).get(me).then().statusCode(200);

        String forged = two.substring(0, two.length() - 1) + (two.endsWith("A") ? "B" : "A");
        given().auth().oauth2(forged).get(me).then().statusCode(401);
        given().auth().oauth2("khs_" + UUID.randomUUID().toString().replace("-", "") + "_" + "x".repeat(43))
                .get(me).then().statusCode(401);

        Catalog.query(t.databaseName(), "UPDATE sessions SET expires_at = now() - interval '1 second' RETURNING id");
        given().auth().oauth2(two).get(me).then().statusCode(401);
    }

    @Test
    void membersRevokeTheirOwnSessionsAndAdminsAnyones() {
        var t = Tenants.create("sess-rev");
        var member = Members.add(t, "member");
        String memberSession = open(t, member.token());
        String ownerSession = open(t, Members.ownerToken(t));
        String ownerSessionId = given().auth().oauth2(ownerSession).get(sessions(t)).path("[0].id");
        // Not yours: 404.
        given().auth().oauth2(memberSession).delete(sessions(t) + "/" + ownerSessionId).then().statusCode(404)
                .body("code", equalTo("session_not_found"));
        given().auth().oauth2(ownerSession).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        // The admin revokes all of the member's sessions.
        given().auth().oauth2(Members.ownerToken(t)).delete("/api/tenants/" + t.slug() + "/users/" + member.userId()
                + "/sessions").then().statusCode(204);
        given().auth().oauth2(memberSession).get("/api/tenants/" + t.slug() + "/me").then().statusCode(401);
        // Revoke all of mine.
        given().auth().oauth2(ownerSession).delete(sessions(t)).then().statusCode(204);
        given().auth().oauth2(ownerSession).get("/api/tenants/" + t.slug() + "/me").then().statusCode(401);
    }

    @Test
    void aSessionOfTenantAIsNothingInTenantB() {
        var a = Tenants.create("sess-a");
        var b = Tenants.create("sess-b");
        String aSession = open(a, Members.ownerToken(a));
        String bSession = open(b, Members.ownerToken(b));
        String bSessionId = given().auth().oauth2(bSession).get(sessions(b)).path("[0].id");
        given().auth().oauth2(aSession).get("/api/tenants/" + b.slug() + "/me").then().statusCode(403)
                .body("code", equalTo("tenant_mismatch"));
        given().auth().oauth2(aSession).get(sessions(b)).then().statusCode(403);
        given().auth().oauth2(aSession).delete(sessions(b) + "/" + bSessionId).then().statusCode(403);
        given().auth().oauth2(aSession).delete(sessions(a) + "/" + bSessionId).then().statusCode(404);
        given().cookie("keyhub_session", aSession).get("/api/tenants/" + b.slug() + "/users").then().statusCode(403);
        given().auth().oauth2(bSession).get("/api/tenants/" + b.slug() + "/me").then().statusCode(200);
    }
}
