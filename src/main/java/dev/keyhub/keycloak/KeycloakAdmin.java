package dev.keyhub.keycloak;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The few calls of Keycloak's admin REST API that Organizations mode needs, as the service account of a confidential
 * client (client-credentials grant; its token is kept until shortly before it expires). Blocking: called from the
 * sync job's worker thread. A refusal or an unreachable Keycloak is a {@link Failure}.
 */
final class KeycloakAdmin {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String tokenUrl;
    private final String admin;
    private final String clientId;
    private final String clientSecret;
    private String token;
    private Instant tokenUntil = Instant.MIN;

    /** A call Keycloak refused or could not answer. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    KeycloakAdmin(String issuer, String clientId, String clientSecret) {
        String base = issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer;
        this.tokenUrl = base + "/protocol/openid-connect/token";
        // https://host/realms/<realm> → https://host/admin/realms/<realm>
        int realms = base.lastIndexOf("/realms/");
        this.admin = base.substring(0, realms) + "/admin" + base.substring(realms);
        this.clientId = clientId;
        this.clientSecret = clientSecret;
    }

    /** The id of the organization with this alias, or null. */
    String organizationByAlias(String alias) {
        HttpResponse<String> r = call("GET", "/organizations?briefRepresentation=true&q="
                + URLEncoder.encode("alias:" + alias, StandardCharsets.UTF_8), null);
        expect(r, 200, "find organization " + alias);
        for (Object o : new JsonArray(r.body())) {
            JsonObject org = (JsonObject) o;
            if (alias.equals(org.getString("alias"))) {
                return org.getString("id");
            }
        }
        return null;
    }

    /** Whether the organization still exists. */
    boolean exists(String id) {
        HttpResponse<String> r = call("GET", "/organizations/" + id, null);
        if (r.statusCode() == 404) {
            return false;
        }
        expect(r, 200, "read organization " + id);
        return true;
    }

    /** Creates an organization; its id. */
    String create(String alias, String description) {
        JsonObject body = new JsonObject().put("name", alias).put("alias", alias).put("enabled", true)
                .put("description", description);
        HttpResponse<String> r = call("POST", "/organizations", body.encode());
        expect(r, 201, "create organization " + alias);
        String location = r.headers().firstValue("Location").orElseThrow(() -> new Failure("no Location for " + alias));
        return location.substring(location.lastIndexOf('/') + 1);
    }

    void delete(String id) {
        HttpResponse<String> r = call("DELETE", "/organizations/" + id, null);
        if (r.statusCode() != 404) {
            expect(r, 204, "delete organization " + id);
        }
    }

    /** The ids of the organization's members. */
    Set<String> members(String id) {
        Set<String> out = new HashSet<>();
        int first = 0;
        while (true) {
            HttpResponse<String> r = call("GET", "/organizations/" + id + "/members?first=" + first + "&max=100", null);
            expect(r, 200, "list members of " + id);
            JsonArray page = new JsonArray(r.body());
            page.forEach(o -> out.add(((JsonObject) o).getString("id")));
            if (page.size() < 100) {
                return out;
            }
            first += page.size();
        }
    }

    /** Adds a user; false when Keycloak has no such user (a member from another identity provider). */
    boolean addMember(String id, String user) {
        // The body is the user's id as a JSON string.
        HttpResponse<String> r = call("POST", "/organizations/" + id + "/members", io.vertx.core.json.Json.encode(user));
        if (r.statusCode() == 409) {
            return true;
        }
        if (r.statusCode() == 400 || r.statusCode() == 404) {
            return false;
        }
        expect(r, 201, "add member " + user + " to " + id);
        return true;
    }

    void removeMember(String id, String user) {
        HttpResponse<String> r = call("DELETE", "/organizations/" + id + "/members/" + user, null);
        if (r.statusCode() != 404) {
            expect(r, 204, "remove member " + user + " from " + id);
        }
    }

    private HttpResponse<String> call(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(admin + path)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token())
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        return send(request.build(), method + " " + path);
    }

    private synchronized String token() {
        if (token != null && Instant.now().isBefore(tokenUntil)) {
            return token;
        }
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(tokenUrl)).timeout(TIMEOUT)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), "token for " + clientId);
        expect(r, 200, "token for " + clientId);
        JsonObject body = new JsonObject(r.body());
        token = body.getString("access_token");
        tokenUntil = Instant.now().plusSeconds(Math.max(5, body.getLong("expires_in", 60L) - 30));
        return token;
    }

    private HttpResponse<String> send(HttpRequest request, String what) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failure(what + ": Keycloak unreachable (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(what + ": interrupted");
        }
    }

    private static void expect(HttpResponse<String> r, int status, String what) {
        if (r.statusCode() != status) {
            String body = r.body() == null ? "" : r.body();
            throw new Failure(what + ": " + r.statusCode() + " " + body.substring(0, Math.min(200, body.length())));
        }
    }
}
