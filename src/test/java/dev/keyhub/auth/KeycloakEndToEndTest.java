package dev.keyhub.auth;

import java.net.URI;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Keycloak;
import dev.keyhub.support.PublishedTxtRecords;
import dev.keyhub.support.KeycloakProfile;
import dev.keyhub.support.KeycloakServer;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static io.restassured.RestAssured.given;

/**
 * The whole path with a real Keycloak (scripts/keycloak.sh, realms of deploy/keycloak): tokens it issues, and
 * the browser login through it. Tenants {@code acme} (Alice's, by her tenant claim) and {@code globex} are
 * created here by the realm's platform admin.
 */
@QuarkusTest
@TestProfile(KeycloakProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeycloakEndToEndTest {

    private static final String APP_PAGE = Keycloak.APP + "projects?tab=1";

    @BeforeEach
    void needsKeycloak() {
        assumeTrue(KeycloakServer.unavailable() == null, () -> "Keycloak end-to-end tests skipped: " + KeycloakServer.unavailable());
    }

    @Test
    @Order(1)
    void aPlatformAdminSignedInWithKeycloakCreatesTenants() {
        String admin = Keycloak.token("admin");
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("slug", "acme", "name", "Acme", "owner",
                        Map.of("subject", Keycloak.ALICE_SUB, "email", "alice@acme.test", "name", "Alice Acme")))
                .post("/admin/tenants").then().statusCode(201).body("slug", equalTo("acme"));
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("slug", "globex", "name", "Globex", "owner",
                        Map.of("subject", "globex-founder", "email", "founder@globex.test")))
                .post("/admin/tenants").then().statusCode(201);
        // Alice is no platform admin.
        given().auth().oauth2(Keycloak.token("alice")).get("/admin/tenants").then().statusCode(403);
    }

    @Test
    @Order(2)
    void aUserRedeemsAJoinCodeAndUsesTenantApisWithKeycloakTokens() {
        String alice = Keycloak.token("alice");
        given().auth().oauth2(alice).get("/api/tenants/current/me").then().statusCode(200)
                .body("email", equalTo("alice@acme.test")).body("role", equalTo("admin"));
        String code = given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("role", "member", "maxUses", 1))
                .post("/api/tenants/acme/join-codes").then().statusCode(201).extract().path("code");

        String carol = Keycloak.token("carol");
        given().auth().oauth2(carol).get("/api/tenants/acme/me").then().statusCode(403).body("code", equalTo("not_a_member"));
        given().auth().oauth2(carol).contentType(ContentType.JSON).body(Map.of("code", code))
                .post("/api/join").then().statusCode(200);
        given().auth().oauth2(carol).get("/api/tenants/acme/me").then().statusCode(200)
                .body("email", equalTo("carol@nowhere.test")).body("role", equalTo("member"));
        given().auth().oauth2(carol).get("/api/tenants/acme/groups").then().statusCode(200);

        // Bob's token names globex: it does not open acme, by path or by 'current'.
        String bob = Keycloak.token("bob");
        given().auth().oauth2(bob).get("/api/tenants/acme/me").then().statusCode(403);
        given().auth().oauth2(bob).get("/api/tenants/acme/users").then().statusCode(403);
    }

    @Test
    @Order(2)
    void aServiceWithAClientCredentialsTokenOpensOneTenantsDatabase() throws Exception {
        String service = Keycloak.serviceToken();
        String acme = Catalog.query("keyhub", "SELECT id::text FROM tenants WHERE slug = 'acme' AND status = 'ACTIVE'")
                .get(0).get(0).toString();
        String globex = Catalog.query("keyhub", "SELECT database_name FROM tenants WHERE slug = 'globex' AND status = 'ACTIVE'")
                .get(0).get(0).toString();
        Response issued = given().auth().oauth2(service).contentType(ContentType.JSON).body(Map.of("ttlSeconds", 300))
                .post("/service/tenants/" + acme + "/database-credentials");
        issued.then().statusCode(201);
        String url = "jdbc:postgresql://" + issued.path("host") + ":" + issued.path("port") + "/";
        try (var c = java.sql.DriverManager.getConnection(url + issued.path("database"), issued.path("user"),
                (String) issued.path("password")); var st = c.createStatement(); var rs = st.executeQuery(
                        "SELECT count(*) FROM memberships WHERE left_at IS NULL")) {
            assertTrue(rs.next() && rs.getLong(1) >= 1);
        }
        assertThrows(java.sql.SQLException.class, () -> java.sql.DriverManager.getConnection(url + globex,
                issued.path("user"), (String) issued.path("password")).close());
        // A person's token, even a platform admin's, gets none.
        given().auth().oauth2(Keycloak.token("admin")).contentType(ContentType.JSON).body(Map.of())
                .post("/service/tenants/" + acme + "/database-credentials").then().statusCode(403);
        given().auth().oauth2(service).delete("/service/tenants/" + acme + "/database-credentials").then().statusCode(204);
    }

    @Test
    @Order(3)
    void tokensOfAnotherRealmOrWithATamperedPayloadAreRefused() {
        String other = Keycloak.otherRealmToken();
        given().auth().oauth2(other).get("/api/tenants/acme/me").then().statusCode(401)
                .contentType("application/problem+json");
        given().auth().oauth2(other).get("/admin/tenants").then().statusCode(401);

        String bob = Keycloak.token("bob");
        given().auth().oauth2(Keycloak.tampered(bob, "tenant", "acme")).get("/api/tenants/current/me").then().statusCode(401);
        given().auth().oauth2(Keycloak.tampered(bob, "sub", Keycloak.ALICE_SUB)).get("/api/tenants/acme/me").then()
                .statusCode(401);
    }

    @Test
    @Order(4)
    void aBrowserSignsInWithoutSeeingATokenAndLogsOut() {
        URI authorize = startLogin("acme", APP_PAGE);
        assertTrue(authorize.toString().startsWith(Keycloak.ISSUER + "/protocol/openid-connect/auth?"), authorize.toString());
        Map<String, String> sent = Keycloak.query(authorize);
        assertEquals("S256", sent.get("code_challenge_method"));
        assertNotNull(sent.get("nonce"));
        assertEquals("keyhub-web", sent.get("client_id"));

        URI back = Keycloak.signIn(authorize, "alice");
        assertTrue(back.toString().startsWith(Keycloak.REDIRECT_URI + "?"), back.toString());
        Response callback = callback(back);
        callback.then().statusCode(303).header("Location", equalTo(APP_PAGE));
        String cookie = callback.getCookie("keyhub_session");
        assertTrue(cookie.startsWith("khs_"), "a session cookie");
        assertTrue(callback.getDetailedCookie("keyhub_session").isHttpOnly());
        assertTrue(callback.getDetailedCookie("keyhub_session").isSecured());

        given().cookie("keyhub_session", cookie).get("/api/tenants/acme/me").then().statusCode(200)
                .body("email", equalTo("alice@acme.test"));
        // The session is acme's alone.
        given().cookie("keyhub_session", cookie).get("/api/tenants/globex/me").then().statusCode(403);

        // Keycloak's redirect can be used once.
        callback(back).then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_state"));

        given().cookie("keyhub_session", cookie).post("/auth/logout").then().statusCode(200)
                .body("logoutUrl", startsWith(Keycloak.ISSUER + "/protocol/openid-connect/logout?client_id=keyhub-web"));
        given().cookie("keyhub_session", cookie).get("/api/tenants/acme/me").then().statusCode(401);
        given().post("/auth/logout").then().statusCode(401).contentType("application/problem+json");
    }

    @Test
    @Order(5)
    void aFirstLoginVouchedForByTheTenantClaimMakesAMemberAndAnyoneElseIsRefused() {
        // Bob's tenant claim names globex, where he has never been: his first login makes him a member.
        callback(Keycloak.signIn(startLogin("globex", Keycloak.APP), "bob")).then().statusCode(303);
        given().auth().oauth2(Keycloak.token("bob")).get("/api/tenants/globex/me").then().statusCode(200)
                .body("role", equalTo("member"));

        // Bob is nothing in acme: refused, and no session is left behind.
        long before = sessions("acme");
        callback(Keycloak.signIn(startLogin("acme", Keycloak.APP), "bob")).then().statusCode(403)
                .contentType("application/problem+json").body("code", equalTo("not_a_member"));
        assertEquals(before, sessions("acme"));
    }

    @Test
    @Order(6)
    void forgedExpiredOrForeignLoginsOpenNoSession() {
        long before = sessions("acme");

        given().redirects().follow(false).queryParam("state", "forged-" + UUID.randomUUID()).queryParam("code", "x")
                .get("/auth/callback").then().statusCode(400).body("code", equalTo("invalid_state"));
        given().redirects().follow(false).get("/auth/callback").then().statusCode(400).body("code", equalTo("invalid_state"));

        // An ID token whose nonce is not the one this login sent.
        URI authorize = startLogin("acme", Keycloak.APP);
        URI tampered = Keycloak.withParameter(authorize, "nonce", "someone-elses-nonce");
        URI back = Keycloak.signIn(tampered, "alice");
        callback(back).then().statusCode(400).body("code", equalTo("nonce_mismatch"));

        // A login that took too long.
        URI slow = startLogin("acme", Keycloak.APP);
        String state = Keycloak.query(slow).get("state");
        Catalog.execute("keyhub", "UPDATE oauth_states SET expires_at = now() - interval '1 minute' WHERE state_hash = '"
                + java.util.HexFormat.of().formatHex(sha256(state)) + "'");
        callback(Keycloak.signIn(slow, "alice")).then().statusCode(400).body("code", equalTo("state_expired"));

        // Keycloak reporting an error (the user cancelled).
        URI cancelled = startLogin("acme", Keycloak.APP);
        given().redirects().follow(false).queryParam("state", Keycloak.query(cancelled).get("state"))
                .queryParam("error", "access_denied").get("/auth/callback").then().statusCode(400)
                .body("code", equalTo("login_failed"));

        assertEquals(before, sessions("acme"), "no session was opened");

        // Never an open redirect, and no login to tenants that are not there.
        for (String target : new String[] { "https://evil.test/", "//evil.test/", "http://localhost:3000@evil.test/",
                "http://localhost:3000/../../x", "javascript:alert(1)", "http://localhost:30000/", "http://localhost:3000\\@evil.test" }) {
            given().redirects().follow(false).queryParam("tenant", "acme").queryParam("returnTo", target)
                    .get("/auth/login").then().statusCode(400).contentType("application/problem+json")
                    .body("code", equalTo("return_to_not_allowed"));
        }
        given().redirects().follow(false).queryParam("tenant", "no-such-tenant").get("/auth/login").then().statusCode(404);
        given().redirects().follow(false).get("/auth/login").then().statusCode(400).body("code", equalTo("tenant_required"));
    }

    @Test
    @Order(7)
    void aFirstLoginWithAVerifiedEmailAtAnOpenDomainJoinsAndTheHostNamesTheTenant() {
        // Initech (the platform admin founds it and owns it) opens its verified domain nowhere.test to auto-join as
        // viewers; Carol's verified email is there.
        String founder = Keycloak.token("admin");
        given().auth().oauth2(founder).contentType(ContentType.JSON)
                .body(Map.of("slug", "initech", "name", "Initech", "owner",
                        Map.of("subject", "5a1e0000-0000-4000-8000-000000000001", "email", "admin@keyhub.test")))
                .post("/admin/tenants").then().statusCode(201);
        var added = given().auth().oauth2(founder).contentType(ContentType.JSON)
                .body(Map.of("domain", "nowhere.test", "autoJoinRole", "viewer"))
                .post("/api/tenants/initech/domains").then().statusCode(201).extract();
        PublishedTxtRecords.publish(added.path("txtName"), (String) added.path("txtValue"));
        given().auth().oauth2(founder).post("/api/tenants/initech/domains/nowhere.test/verify").then().statusCode(200);

        String carol = Keycloak.token("carol");
        given().auth().oauth2(carol).get("/api/me/tenants").then().statusCode(200)
                .body("offered.slug", org.hamcrest.Matchers.contains("initech"));
        // Signing in at initech.tenants.test names the tenant by its host; her first login makes her a viewer.
        String location = given().redirects().follow(false).header("Host", "initech.tenants.test")
                .queryParam("returnTo", Keycloak.APP).get("/auth/login").then().statusCode(302).extract().header("Location");
        Response callback = callback(Keycloak.signIn(URI.create(location), "carol"));
        callback.then().statusCode(303);
        given().cookie("keyhub_session", callback.getCookie("keyhub_session")).get("/api/tenants/current/me").then()
                .statusCode(200).body("tenant.slug", equalTo("initech")).body("role", equalTo("viewer"));
        given().auth().oauth2(carol).get("/api/me/tenants").then().statusCode(200)
                .body("tenants.slug", org.hamcrest.Matchers.hasItem("initech")).body("offered", org.hamcrest.Matchers.empty());
    }

    @Test
    @Order(8)
    void aBrowserSignsInWithAJoinCodeAndJoinsItsTenant() {
        String alice = Keycloak.token("alice");
        var created = given().auth().oauth2(alice).contentType(ContentType.JSON).body(Map.of("role", "viewer", "maxUses", 1))
                .post("/api/tenants/acme/join-codes").then().statusCode(201).extract();
        String code = created.path("code");
        String codeId = created.path("id");
        // Refused before Keycloak: a code that names no tenant, a tenant and a code at once, another tenant's host.
        given().redirects().follow(false).queryParam("joinCode", "0000-0000-0000-0000-0000").get("/auth/login").then()
                .statusCode(404).body("code", equalTo("join_code_invalid"));
        given().redirects().follow(false).queryParam("joinCode", code).queryParam("tenant", "acme").get("/auth/login")
                .then().statusCode(400).body("code", equalTo("tenant_or_join_code"));
        given().redirects().follow(false).header("Host", "globex.tenants.test").queryParam("joinCode", code)
                .get("/auth/login").then().statusCode(403).body("code", equalTo("tenant_mismatch"));

        // Bob, nothing in acme, signs in with the code: he joins with its role and his session is acme's.
        Response joined = callback(Keycloak.signIn(startLoginWithCode(code), "bob"));
        joined.then().statusCode(303).header("Location", equalTo(Keycloak.APP));
        String cookie = joined.getCookie("keyhub_session");
        given().cookie("keyhub_session", cookie).get("/api/tenants/current/me").then().statusCode(200)
                .body("tenant.slug", equalTo("acme")).body("role", equalTo("viewer")).body("email", equalTo("bob@globex.test"));
        given().cookie("keyhub_session", cookie).get("/api/tenants/globex/me").then().statusCode(403);
        given().auth().oauth2(alice).get("/api/tenants/acme/join-codes").then().statusCode(200)
                .body("items.find { it.id == '" + codeId + "' }.usedCount", equalTo(1));

        // Signing in with it again, as a member now, just signs in: the used-up code is not redeemed a second time.
        callback(Keycloak.signIn(startLoginWithCode(code), "bob")).then().statusCode(303);
        given().auth().oauth2(Keycloak.token("bob")).get("/api/me/tenants").then().statusCode(200)
                .body("tenants.find { it.slug == 'acme' }.role", equalTo("viewer"));
    }

    private static URI startLoginWithCode(String code) {
        return URI.create(given().redirects().follow(false).queryParam("joinCode", code).queryParam("returnTo", Keycloak.APP)
                .get("/auth/login").then().statusCode(302).extract().header("Location"));
    }

    private static URI startLogin(String tenant, String returnTo) {
        String location = given().redirects().follow(false).queryParam("tenant", tenant).queryParam("returnTo", returnTo)
                .get("/auth/login").then().statusCode(302).header("Cache-Control", equalTo("no-store"))
                .extract().header("Location");
        return URI.create(location);
    }

    /** Delivers Keycloak's redirect to KeyHub's callback (the browser's next step). */
    private static Response callback(URI back) {
        var request = given().redirects().follow(false);
        for (Map.Entry<String, String> p : Keycloak.query(back).entrySet()) {
            request = request.queryParam(p.getKey(), p.getValue());
        }
        return request.get("/auth/callback");
    }

    private static long sessions(String slug) {
        String database = (String) Catalog.query("keyhub", "SELECT database_name FROM tenants WHERE slug = ?", slug).get(0).get(0);
        return (Long) Catalog.query(database, "SELECT count(*) FROM sessions").get(0).get(0);
    }

    private static byte[] sha256(String value) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
