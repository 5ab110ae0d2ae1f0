package dev.keyhub.auth;

import dev.keyhub.support.ProductionKeycloak;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The realm an installation imports (deploy/keycloak/production/realm-keyhub.json), in a real Keycloak of its own,
 * given what the manifests give it: the client secret and KeyHub's addresses through the environment. Keycloak
 * fills them in at import; the realm has no user and no client that takes a password.
 */
class ProductionRealmTest {

    private static final Path REALM = ProductionKeycloak.REALM;
    private static final String SECRET = "generated-" + UUID.randomUUID();
    private static final String CALLBACK = "https://keyhub.example.org/auth/callback";
    private static final String AFTER_LOGOUT = "https://app.example.org/";
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static int port;
    private static boolean started;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(script(Map.of(), "java") == 0, "no JDK 21 or newer for Keycloak; see target/keycloak-production-test.log");
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        int exit = script(Map.of("KEYHUB_WEB_CLIENT_SECRET", SECRET, "KEYHUB_AUTH_REDIRECT_URI", CALLBACK,
                "KEYHUB_AUTH_POST_LOGOUT_REDIRECT_URI", AFTER_LOGOUT), "start");
        started = exit == 0;
        assertEquals(0, exit, "Keycloak with the production realm did not start; see target/keycloak-production-test.log");
    }

    @AfterAll
    static void stop() throws Exception {
        if (started) {
            script(Map.of(), "stop");
        }
    }

    @Test
    void theClientGetsItsSecretAndAddressesFromTheEnvironment() throws Exception {
        String admin = adminToken();
        JsonObject web = client(admin, "keyhub-web");
        assertEquals(new JsonArray().add(CALLBACK), web.getJsonArray("redirectUris"));
        assertEquals(AFTER_LOGOUT + "*", web.getJsonObject("attributes").getString("post.logout.redirect.uris"));
        String secret = new JsonObject(get(admin, "/admin/realms/keyhub/clients/" + web.getString("id") + "/client-secret")
                .body()).getString("value");
        assertEquals(SECRET, secret);
        // The authorization endpoint shows its login page for KeyHub's callback, and refuses any other address.
        assertEquals(200, authorize(CALLBACK).statusCode());
        assertEquals(400, authorize("https://elsewhere.example/auth/callback").statusCode());
        // The user profile keeps Keycloak's own ${...} message keys, and declares the tenant attribute.
        JsonArray attributes = new JsonObject(get(admin, "/admin/realms/keyhub/users/profile").body()).getJsonArray("attributes");
        assertTrue(attributes.stream().map(JsonObject.class::cast)
                .anyMatch(a -> "username".equals(a.getString("name")) && "${username}".equals(a.getString("displayName"))));
        assertTrue(attributes.stream().map(JsonObject.class::cast).anyMatch(a -> "tenant".equals(a.getString("name"))));
    }

    @Test
    void theRealmHasNoUsersAndNoClientTakesAPassword() throws Exception {
        String admin = adminToken();
        assertEquals(new JsonArray(), new JsonArray(get(admin, "/admin/realms/keyhub/users").body()));
        // The realm file's clients (Keycloak adds its own, such as admin-cli, which has no user to sign in here).
        JsonArray declared = new JsonObject(Files.readString(REALM)).getJsonArray("clients");
        assertEquals(2, declared.size());
        for (Object c : declared) {
            JsonObject client = client(admin, ((JsonObject) c).getString("clientId"));
            assertTrue(!client.getBoolean("directAccessGrantsEnabled", false), client.getString("clientId") + " takes passwords");
        }
        HttpResponse<String> password = post("/realms/keyhub/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "keyhub-web", "client_secret", SECRET, "username", "admin", "password", "admin-pass"));
        assertEquals(400, password.statusCode(), password.body());
        assertEquals("unauthorized_client", new JsonObject(password.body()).getString("error"));
    }

    private static HttpResponse<String> authorize(String redirect) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/realms/keyhub/protocol/openid-connect/auth?"
                + form(Map.of("client_id", "keyhub-web", "response_type", "code", "scope", "openid",
                        "redirect_uri", redirect, "code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                        "code_challenge_method", "S256")))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String adminToken() throws Exception {
        HttpResponse<String> r = post("/realms/master/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "admin-cli", "username", "admin", "password", "admin"));
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body()).getString("access_token");
    }

    private static JsonObject client(String admin, String clientId) throws Exception {
        JsonArray found = new JsonArray(get(admin, "/admin/realms/keyhub/clients?clientId=" + clientId).body());
        assertEquals(1, found.size(), clientId);
        return found.getJsonObject(0);
    }

    private static HttpResponse<String> get(String token, String path) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r;
    }

    private static HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String base() {
        return "http://localhost:" + port;
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    /** Runs scripts/keycloak.sh for a separate instance that imports the production realm only. */
    private static int script(Map<String, String> env, String command) throws IOException, InterruptedException {
        return ProductionKeycloak.script("keycloak-production", port == 0 ? 8191 : port, env, command,
                Path.of("target", "keycloak-production-test.log"));
    }
}
