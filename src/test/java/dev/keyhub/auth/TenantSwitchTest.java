package dev.keyhub.auth;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import static io.restassured.RestAssured.given;

/**
 * POST /auth/switch: a browser session in one tenant becomes a session in another tenant of the same person, with
 * no new login; the old session ends. Refusals (not a member, a suspended tenant, no session) change nothing, and a
 * switched session reaches only its new tenant.
 */
@QuarkusTest
class TenantSwitchTest {

    private static final String COOKIE = "keyhub_session";

    /** A person who is a member of both tenants, with a browser session in the first. */
    record Person(Members.Joined joined, String session) {
    }

    private static Person inBoth(Tenants.Created a, Tenants.Created b) {
        var joined = Members.join(Members.code(a, "member", 1), "switcher");
        given().auth().oauth2(joined.token()).contentType(ContentType.JSON).body(Map.of("code", Members.code(b, "viewer", 1)))
                .post("/api/join").then().statusCode(200);
        String session = given().auth().oauth2(joined.token()).post("/api/tenants/" + a.slug() + "/sessions")
                .then().statusCode(201).extract().path("token");
        return new Person(joined, session);
    }

    private static Response switchTo(String session, Object tenant) {
        return given().cookie(COOKIE, session).contentType(ContentType.JSON).body(Map.of("tenant", tenant))
                .post("/auth/switch");
    }

    private static long sessions(Tenants.Created t) {
        return (Long) Catalog.query(t.databaseName(), "SELECT count(*) FROM sessions WHERE NOT revoked").get(0).get(0);
    }

    @Test
    void theSessionMovesToAnotherTenantOfThePersonAndTheOldOneEnds() {
        var a = Tenants.create("switch-a");
        var b = Tenants.create("switch-b");
        var p = inBoth(a, b);

        Response switched = switchTo(p.session(), b.slug());
        switched.then().statusCode(200).body("tenant.slug", equalTo(b.slug())).body("tenant.id", equalTo(b.id()))
                .header("Set-Cookie", allOf(containsString(COOKIE + "="), containsString("HttpOnly"),
                        containsString("Secure"), containsString("SameSite=Lax")))
                .header("Cache-Control", equalTo("no-store"));
        String moved = switched.getCookie(COOKIE);
        assertNotEquals(p.session(), moved);

        given().cookie(COOKIE, moved).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(b.slug())).body("role", equalTo("viewer"));
        // Bound to B now: A is out of its reach, by path and by id.
        given().cookie(COOKIE, moved).get("/api/tenants/" + a.slug() + "/me").then().statusCode(403)
                .body("code", equalTo("tenant_mismatch"));
        given().cookie(COOKIE, moved).get("/api/tenants/" + a.id() + "/users").then().statusCode(403);
        // The old session is over.
        given().cookie(COOKIE, p.session()).get("/api/tenants/" + a.slug() + "/me").then().statusCode(401);
        // And back again, by id this time.
        String back = switchTo(moved, a.id()).then().statusCode(200).body("tenant.slug", equalTo(a.slug()))
                .extract().cookie(COOKIE);
        given().cookie(COOKIE, back).get("/api/tenants/current/me").then().statusCode(200).body("role", equalTo("member"));
        given().cookie(COOKIE, back).get("/api/me/tenants").then().statusCode(200)
                .body("tenants.slug", containsInAnyOrder(a.slug(), b.slug()));
    }

    @Test
    void aTenantThePersonIsNotInIsRefusedWithNothingChanged() {
        var a = Tenants.create("switch-own");
        var b = Tenants.create("switch-mid");
        var other = Tenants.create("switch-other");
        var p = inBoth(a, b);
        long sessionsInOther = sessions(other);
        long sessionsInA = sessions(a);

        for (Object target : new Object[] { other.slug(), other.id() }) {
            switchTo(p.session(), target).then().statusCode(403).contentType("application/problem+json")
                    .body("code", equalTo("not_a_member")).header("Set-Cookie", (String) null);
        }
        assertEquals(sessionsInOther, sessions(other));
        assertEquals(sessionsInA, sessions(a));
        given().cookie(COOKIE, p.session()).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(a.slug()));
    }

    @Test
    void badRequestsAreProblemsAndChangeNothing() {
        var a = Tenants.create("switch-bad");
        var b = Tenants.create("switch-susp");
        var p = inBoth(a, b);

        given().cookie(COOKIE, p.session()).contentType(ContentType.JSON).body("{}").post("/auth/switch").then()
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("tenant_required"));
        switchTo(p.session(), "no-such-tenant-here").then().statusCode(404).body("code", equalTo("tenant_not_found"));
        switchTo(p.session(), "Not A Slug!").then().statusCode(404);
        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + b.id() + "/suspend").then().statusCode(200);
        switchTo(p.session(), b.slug()).then().statusCode(403).body("code", equalTo("tenant_not_active"));
        // A bearer token has no session to move; no credentials at all is 401 as everywhere.
        given().auth().oauth2(p.joined().token()).contentType(ContentType.JSON).body(Map.of("tenant", a.slug()))
                .post("/auth/switch").then().statusCode(401).body("code", equalTo("session_required"));
        given().contentType(ContentType.JSON).body(Map.of("tenant", a.slug())).post("/auth/switch").then().statusCode(401);
        given().cookie(COOKIE, p.session()).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo(a.slug()));
    }
}
