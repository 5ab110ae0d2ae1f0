package dev.keyhub.auth;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.json.JsonObject;

import dev.keyhub.support.Keycloak;
import dev.keyhub.support.KeycloakProfile;
import dev.keyhub.support.KeycloakServer;

import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import static io.restassured.RestAssured.given;

/**
 * A native app signing in as docs/MOBILE.md says, against the real Keycloak and with no browser cookies: the public
 * client {@code keyhub-mobile}, the authorization code with PKCE (S256) to a loopback redirect, the code exchanged
 * for tokens without a secret, then "my tenants" and a tenant API with the bearer token, and a refresh.
 */
@QuarkusTest
@TestProfile(KeycloakProfile.class)
class MobileSignInTest {

    private static final String CLIENT = "keyhub-mobile";
    private static final String REDIRECT = "http://127.0.0.1:53682/callback";
    private static final String CAROL = "5a1e0000-0000-4000-8000-000000000004";
    private static final SecureRandom RANDOM = new SecureRandom();

    @BeforeEach
    void needsKeycloak() {
        assumeTrue(KeycloakServer.unavailable() == null, () -> "Keycloak tests skipped: " + KeycloakServer.unavailable());
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String challenge(String verifier) throws Exception {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
    }

    private static URI authorize(String state, String challenge) {
        return URI.create(Keycloak.ISSUER + "/protocol/openid-connect/auth?client_id=" + CLIENT + "&response_type=code"
                + "&scope=openid&redirect_uri=" + URLEncoder.encode(REDIRECT, StandardCharsets.UTF_8) + "&state=" + state
                + "&code_challenge=" + challenge + "&code_challenge_method=S256");
    }

    @Test
    void aNativeAppSignsInWithPkceAndUsesTheApiWithBearerTokens() throws Exception {
        // Carol's tenant, made by the realm's platform admin.
        String slug = "mobile-" + UUID.randomUUID().toString().substring(0, 6);
        given().auth().oauth2(Keycloak.token("admin")).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Mobile " + slug, "owner", Map.of("subject", CAROL, "email", "carol@nowhere.test")))
                .post("/admin/tenants").then().statusCode(201);

        // 1. The app opens the system browser at the authorize URL; Keycloak sends it back to the loopback redirect.
        String verifier = random();
        String state = random();
        URI back = Keycloak.signIn(authorize(state, challenge(verifier)), "carol");
        assertTrue(back.toString().startsWith(REDIRECT + "?"), back.toString());
        Map<String, String> callback = Keycloak.query(back);
        assertEquals(state, callback.get("state"), "the state the app sent comes back");
        String code = callback.get("code");
        assertNotNull(code);

        // 2. A public client has no secret; without the PKCE verifier the code is worth nothing.
        HttpResponse<String> withoutVerifier = Keycloak.tokenEndpoint(Map.of("grant_type", "authorization_code",
                "client_id", CLIENT, "code", code, "redirect_uri", REDIRECT));
        assertEquals(400, withoutVerifier.statusCode(), withoutVerifier.body());
        // That attempt spent the code (codes are single-use): sign in again, and exchange with the verifier.
        verifier = random();
        code = Keycloak.query(Keycloak.signIn(authorize(state, challenge(verifier)), "carol")).get("code");
        HttpResponse<String> exchanged = Keycloak.tokenEndpoint(Map.of("grant_type", "authorization_code",
                "client_id", CLIENT, "code", code, "redirect_uri", REDIRECT, "code_verifier", verifier));
        assertEquals(200, exchanged.statusCode(), exchanged.body());
        JsonObject tokens = new JsonObject(exchanged.body());
        String access = tokens.getString("access_token");
        String refresh = tokens.getString("refresh_token");
        assertNotNull(refresh);

        // 3. The tenant picker: no tenant claim needed, no cookie set.
        given().auth().oauth2(access).get("/api/me/tenants").then().statusCode(200)
                .header("Set-Cookie", nullValue())
                // Carol may be in tenants of other tests too (the same Keycloak and catalog serve them).
                .body("tenants.slug", hasItem(slug)).body("tenants.find { it.slug == '" + slug + "' }.role", equalTo("admin"));
        // 4. A tenant API with the same bearer token.
        given().auth().oauth2(access).get("/api/tenants/" + slug + "/me").then().statusCode(200)
                .header("Set-Cookie", nullValue()).body("email", equalTo("carol@nowhere.test"));
        given().auth().oauth2(access).contentType(ContentType.JSON).body(Map.of("name", "Carol on the phone"))
                .patch("/api/tenants/" + slug + "/me").then().statusCode(200).body("name", equalTo("Carol on the phone"));

        // 5. When the access token runs out, the refresh token gets a new one, which KeyHub accepts the same way.
        HttpResponse<String> refreshed = Keycloak.tokenEndpoint(Map.of("grant_type", "refresh_token",
                "client_id", CLIENT, "refresh_token", refresh));
        assertEquals(200, refreshed.statusCode(), refreshed.body());
        String renewed = new JsonObject(refreshed.body()).getString("access_token");
        assertNotEquals(access, renewed);
        given().auth().oauth2(renewed).get("/api/tenants/" + slug + "/me").then().statusCode(200)
                .body("name", equalTo("Carol on the phone"));
        // And a forged bearer token gets nothing.
        given().auth().oauth2(renewed.substring(0, renewed.length() - 4) + "AAAA").get("/api/me/tenants").then()
                .statusCode(401);
    }
}
