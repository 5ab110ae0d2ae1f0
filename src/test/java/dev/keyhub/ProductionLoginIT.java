package dev.keyhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.Keycloak;
import dev.keyhub.support.PackagedKeyHub;
import dev.keyhub.support.ProductionKeycloak;

/**
 * Browser login as the manifests set it up, end to end: the packaged application in the prod profile and a real
 * Keycloak that imported the production realm (deploy/keycloak/production), both given what deploy/ gives them
 * through the environment: the client secret of keyhub-web, KeyHub's callback, the allowed return addresses, the
 * address after logout, and the audience KeyHub demands. The realm has no users, so the test adds one through
 * Keycloak's admin API, as an operator would, and makes her a platform admin to create her tenant.
 */
class ProductionLoginIT {

    private static final Path LOG = Path.of("target", "production-login-app.log");
    private static final String SECRET = "generated-" + UUID.randomUUID();
    private static final String APP = "https://app.example.org/";
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private int keycloakPort;
    private boolean keycloakStarted;
    private EmbeddedPostgres catalog;
    private PackagedKeyHub app;

    @Test
    void aPersonSignsInThroughTheProductionRealmAndUsesTheirTenant() throws Exception {
        assumeTrue(script(Map.of(), "java") == 0, "no JDK 21 or newer for Keycloak; see target/keycloak-production-login.log");
        try (ServerSocket s = new ServerSocket(0)) {
            keycloakPort = s.getLocalPort();
        }
        String issuer = "http://localhost:" + keycloakPort + "/realms/keyhub";
        catalog = EmbeddedPostgres.start(Path.of("target", "embedded-postgres"), "production-login", true);
        catalog.createDatabase("keyhub");
        Map<String, String> env = new HashMap<>();
        app = new PackagedKeyHub(LOG, catalog, env, List.of("-Xmx384m"));
        String callback = app.baseUrl() + "/auth/callback";
        // As deploy/base/keyhub-configmap.yaml and the Secret keyhub-web-client give them to KeyHub.
        env.putAll(Map.of("KEYHUB_ISSUER", issuer, "KEYHUB_JWKS_URL", issuer + "/protocol/openid-connect/certs",
                "KEYHUB_AUTH_CLIENT_SECRET", SECRET, "KEYHUB_AUTH_REDIRECT_URI", callback,
                "KEYHUB_AUTH_ALLOWED_RETURN_TO", APP, "KEYHUB_AUTH_POST_LOGOUT_REDIRECT_URI", APP,
                "MP_JWT_VERIFY_AUDIENCES", "keyhub"));
        // And to Keycloak's realm import (deploy/keycloak/production/kustomization.yaml).
        int exit = script(Map.of("KEYHUB_WEB_CLIENT_SECRET", SECRET, "KEYHUB_AUTH_REDIRECT_URI", callback,
                "KEYHUB_AUTH_POST_LOGOUT_REDIRECT_URI", APP), "start");
        keycloakStarted = exit == 0;
        assertEquals(0, exit, "Keycloak with the production realm did not start; see target/keycloak-production-login.log");
        app.start();

        // An operator adds Erin to the realm and makes her a platform admin.
        String admin = adminToken();
        String erin = createUser(admin, "erin");
        JsonObject role = new JsonObject(send("GET", "/admin/realms/keyhub/roles/platform-admin", admin, null).body());
        send("POST", "/admin/realms/keyhub/users/" + erin + "/role-mappings/realm", admin, new JsonArray().add(role).encode());

        // Erin's access token from a sign-in with keyhub-web (code + PKCE), as KeyHub's own login does it.
        String token = codeFlowToken(callback, "erin");
        String slug = "prod-" + UUID.randomUUID().toString().substring(0, 6);
        PackagedKeyHub.Answer created = app.call("POST", "/admin/tenants", token, """
                {"slug":"%s","name":"Production","type":"team","owner":{"subject":"%s","email":"erin@example.org","name":"Erin"}}"""
                .formatted(slug, erin));
        assertEquals(201, created.status(), created.body());

        // Browser login through KeyHub: KeyHub sends the browser to Keycloak, Keycloak back to KeyHub's callback.
        HttpResponse<String> login = get(app.baseUrl() + "/auth/login?tenant=" + slug + "&returnTo="
                + URLEncoder.encode(APP + "home", StandardCharsets.UTF_8), null);
        assertEquals(302, login.statusCode(), login.body());
        URI authorize = URI.create(login.headers().firstValue("Location").orElseThrow());
        assertTrue(authorize.toString().startsWith(issuer + "/protocol/openid-connect/auth?"), authorize.toString());
        URI back = Keycloak.signIn(authorize, "erin");
        assertTrue(back.toString().startsWith(callback + "?"), back.toString());
        HttpResponse<String> landed = get(back.toString(), null);
        assertEquals(303, landed.statusCode(), landed.body());
        assertEquals(APP + "home", landed.headers().firstValue("Location").orElseThrow());
        String cookie = landed.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("keyhub_session="))
                .map(c -> c.substring(0, c.indexOf(';'))).findFirst().orElseThrow();

        HttpResponse<String> me = get(app.baseUrl() + "/api/tenants/" + slug + "/me", cookie);
        assertEquals(200, me.statusCode(), me.body());
        assertEquals("erin@example.org", new JsonObject(me.body()).getString("email"));
        // A return address the manifests do not allow is refused before Keycloak is involved.
        HttpResponse<String> elsewhere = get(app.baseUrl() + "/auth/login?tenant=" + slug + "&returnTo="
                + URLEncoder.encode("https://evil.example/", StandardCharsets.UTF_8), null);
        assertEquals(400, elsewhere.statusCode(), elsewhere.body());

        HttpResponse<String> logout = HTTP.send(HttpRequest.newBuilder(URI.create(app.baseUrl() + "/auth/logout"))
                .header("Cookie", cookie).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, logout.statusCode(), logout.body());
        String logoutUrl = new JsonObject(logout.body()).getString("logoutUrl");
        assertTrue(logoutUrl.startsWith(issuer + "/protocol/openid-connect/logout?client_id=keyhub-web"), logoutUrl);
        assertTrue(logoutUrl.contains(URLEncoder.encode(APP, StandardCharsets.UTF_8)), logoutUrl);
        assertEquals(401, get(app.baseUrl() + "/api/tenants/" + slug + "/me", cookie).statusCode());
    }

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.stop();
        }
        if (catalog != null) {
            catalog.stop();
        }
        if (keycloakStarted) {
            script(Map.of(), "stop");
        }
    }

    /** Signs in with keyhub-web and exchanges the code itself (PKCE), for the access token KeyHub's login would get. */
    private String codeFlowToken(String callback, String user) throws Exception {
        String verifier = UUID.randomUUID() + "-" + UUID.randomUUID();
        String challenge = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII)));
        URI authorize = URI.create(base() + "/realms/keyhub/protocol/openid-connect/auth?" + form(Map.of(
                "client_id", "keyhub-web", "response_type", "code", "scope", "openid", "redirect_uri", callback,
                "state", "s", "code_challenge", challenge, "code_challenge_method", "S256")));
        String code = Keycloak.query(Keycloak.signIn(authorize, user)).get("code");
        HttpResponse<String> tokens = post("/realms/keyhub/protocol/openid-connect/token", Map.of("grant_type",
                "authorization_code", "client_id", "keyhub-web", "client_secret", SECRET, "code", code,
                "redirect_uri", callback, "code_verifier", verifier));
        assertEquals(200, tokens.statusCode(), tokens.body());
        return new JsonObject(tokens.body()).getString("access_token");
    }

    private String createUser(String admin, String name) throws Exception {
        JsonObject user = new JsonObject().put("username", name).put("enabled", true).put("email", name + "@example.org")
                .put("emailVerified", true).put("firstName", "Erin").put("lastName", "Example")
                .put("credentials", new JsonArray().add(new JsonObject().put("type", "password")
                        .put("value", name + "-pass").put("temporary", false)));
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/admin/realms/keyhub/users"))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(user.encode())).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, r.statusCode(), r.body());
        String location = r.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private String adminToken() throws Exception {
        HttpResponse<String> r = post("/realms/master/protocol/openid-connect/token", Map.of("grant_type", "password",
                "client_id", "admin-cli", "username", "admin", "password", "admin"));
        assertEquals(200, r.statusCode(), r.body());
        return new JsonObject(r.body()).getString("access_token");
    }

    private HttpResponse<String> send(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token);
        if (json != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(r.statusCode() / 100 == 2, path + ": " + r.statusCode() + " " + r.body());
        return r;
    }

    private static HttpResponse<String> get(String url, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (cookie != null) {
            b.header("Cookie", cookie);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, Map<String, String> form) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(form))).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://localhost:" + keycloakPort;
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    /** scripts/keycloak.sh for an instance of its own that imports the production realm only. */
    private int script(Map<String, String> env, String command) throws IOException, InterruptedException {
        return ProductionKeycloak.script("keycloak-production-login", keycloakPort == 0 ? 8192 : keycloakPort, env, command,
                Path.of("target", "keycloak-production-login.log"));
    }
}
