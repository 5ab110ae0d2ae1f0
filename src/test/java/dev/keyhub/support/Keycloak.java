package dev.keyhub.support;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import io.vertx.core.json.JsonObject;

/** The realms of deploy/keycloak as tests meet them: users, tokens, and a browser signing in over plain HTTP. */
public final class Keycloak {

    public static final String BASE = "http://localhost:8180";
    public static final String ISSUER = BASE + "/realms/keyhub";
    public static final String REDIRECT_URI = "http://localhost:8080/auth/callback";
    public static final String APP = "http://localhost:3000/";

    public static final String ALICE_SUB = "5a1e0000-0000-4000-8000-000000000002";
    public static final String BOB_SUB = "5a1e0000-0000-4000-8000-000000000003";
    public static final String CAROL_SUB = "5a1e0000-0000-4000-8000-000000000004";

    private static final Pattern LOGIN_FORM = Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    private Keycloak() {
    }

    /** An access token of a user of realm {@code keyhub} (password grant on the test-only client). */
    public static String token(String user) {
        return token("keyhub", "keyhub-e2e", "keyhub-e2e-dev-secret", user, user + "-pass");
    }

    /** As {@link #token(String)}, asking for more scopes (such as {@code organization:<alias>}). */
    public static String token(String user, String scope) {
        return token("keyhub", "keyhub-e2e", "keyhub-e2e-dev-secret", user, user + "-pass", "openid " + scope);
    }

    /**
     * Keycloak's admin API as the service account of client {@code client}: a call to a path under the realm
     * ({@code GET /organizations?q=alias:acme}), with a JSON body or none.
     */
    public static HttpResponse<String> admin(String client, String secret, String method, String path, String json) {
        HttpResponse<String> token = send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(BASE + "/realms/keyhub/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials",
                        "client_id", client, "client_secret", secret))))
                .build());
        String bearer = new JsonObject(token.body()).getString("access_token");
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(BASE + "/admin/realms/keyhub" + path))
                .header("Authorization", "Bearer " + bearer)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return send(HttpClient.newHttpClient(), request.build());
    }

    /** A form POST to the realm's token endpoint, as an app would send it: the status and the JSON body. */
    public static HttpResponse<String> tokenEndpoint(Map<String, String> fields) {
        return send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(ISSUER + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(fields))).build());
    }

    /** An access token of realm {@code other}: valid there, and signed by another key. */
    public static String otherRealmToken() {
        return token("other", "other-e2e", "other-e2e-dev-secret", "alice", "alice-pass");
    }

    /** An access token of a service: the client-credentials grant of the example client {@code keyhub-reports}. */
    public static String serviceToken() {
        HttpResponse<String> response = send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(BASE + "/realms/keyhub/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials",
                        "client_id", "keyhub-reports", "client_secret", "keyhub-reports-dev-secret"))))
                .build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("no service token: " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body()).getString("access_token");
    }

    private static String token(String realm, String client, String secret, String user, String password) {
        return token(realm, client, secret, user, password, "openid");
    }

    private static String token(String realm, String client, String secret, String user, String password, String scope) {
        HttpResponse<String> response = send(HttpClient.newHttpClient(), HttpRequest.newBuilder(
                URI.create(BASE + "/realms/" + realm + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "password", "client_id", client,
                        "client_secret", secret, "username", user, "password", password, "scope", scope))))
                .build());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("no token for " + user + ": " + response.statusCode() + " " + response.body());
        }
        return new JsonObject(response.body()).getString("access_token");
    }

    /**
     * A browser at Keycloak's authorize URL signing in as {@code user}: returns the address Keycloak redirects it
     * to (KeyHub's callback, with {@code state} and {@code code}). Fails if Keycloak does not redirect.
     */
    public static URI signIn(URI authorize, String user) {
        // Keycloak marks its cookies Secure even on http://localhost, which java.net's cookie store then never
        // sends back over http; a browser treats localhost as secure, so the cookies are carried here by hand.
        HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        HttpResponse<String> page = send(browser, HttpRequest.newBuilder(authorize).GET().build());
        String cookies = page.headers().allValues("Set-Cookie").stream().map(c -> c.substring(0, c.indexOf(';')))
                .collect(Collectors.joining("; "));
        Matcher form = LOGIN_FORM.matcher(page.body());
        if (page.statusCode() != 200 || !form.find()) {
            throw new IllegalStateException("no login form at " + authorize + ": " + page.statusCode());
        }
        URI action = URI.create(form.group(1).replace("&amp;", "&"));
        HttpResponse<String> posted = send(browser, HttpRequest.newBuilder(action)
                .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookies)
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", user, "password", user + "-pass",
                        "credentialId", ""))))
                .build());
        // With organizations in the realm, Keycloak asks for the username first and the password on a second page.
        Matcher second = LOGIN_FORM.matcher(posted.body() == null ? "" : posted.body());
        if (posted.statusCode() == 200 && second.find()) {
            posted = send(browser, HttpRequest.newBuilder(URI.create(second.group(1).replace("&amp;", "&")))
                    .header("Content-Type", "application/x-www-form-urlencoded").header("Cookie", cookies)
                    .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", user, "password", user + "-pass",
                            "credentialId", ""))))
                    .build());
        }
        String location = posted.headers().firstValue("Location").orElse(null);
        if (posted.statusCode() != 302 || location == null) {
            throw new IllegalStateException("Keycloak did not redirect after sign-in: " + posted.statusCode());
        }
        return URI.create(location);
    }

    /** The query parameters of a URI, decoded. */
    public static Map<String, String> query(URI uri) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : uri.getRawQuery().split("&")) {
            int eq = pair.indexOf('=');
            out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** The same URI with one query parameter replaced. */
    public static URI withParameter(URI uri, String name, String value) {
        Map<String, String> q = query(uri);
        q.put(name, value);
        String base = uri.toString().substring(0, uri.toString().indexOf('?'));
        return URI.create(base + "?" + form(q));
    }

    /** A token whose payload was changed after signing: the signature no longer matches. */
    public static String tampered(String token, String claim, String value) {
        String[] parts = token.split("\\.");
        JsonObject payload = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        payload.put(claim, value);
        String changed = Base64.getUrlEncoder().withoutPadding()
                .encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
        return parts[0] + "." + changed + "." + parts[2];
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream().map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
    }

    private static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("Keycloak unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
