package dev.keyhub.reliability;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.reliability.ApiOperations.Operation;
import dev.keyhub.reliability.Probe.Sent;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Domains;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * Every tenant route of the OpenAPI document, called by tenant A's people (or with A's path) in every way of
 * naming tenant B: B's slug or id in the path, 'current' with a token that claims B, B's ids in A's path or body,
 * B's session on A's path, B's join code with a token bound to A. A case leaks if it gets a 2xx or if the answer
 * carries anything of B that the request did not. B must be exactly as it was afterwards.
 */
@QuarkusTest
class IsolationMatrixTest {

    @TestHTTPResource("/")
    URL root;

    /** One tenant's people and things. */
    record Side(Tenants.Created tenant, String ownerId, Members.Joined member, String groupId, String groupName,
            String codeId, String code, String sessionId, String session, String settingKey, String settingValue,
            String projectId, String projectName, String taskId, String taskTitle, String domain) {

        String owner() {
            return Members.ownerToken(tenant);
        }

        /** The id this side has for a path parameter of the given path, or null when it names nothing here. */
        String idFor(String path, String param) {
            if ("userId".equals(param)) {
                return member.userId();
            }
            if ("key".equals(param)) {
                return settingKey;
            }
            if ("task".equals(param)) {
                return taskId;
            }
            if ("domain".equals(param)) {
                return domain;
            }
            if (path.contains("/projects/{id}")) {
                return projectId;
            }
            if (path.contains("/users/{id}")) {
                return member.userId();
            }
            if (path.contains("/groups/{id}")) {
                return groupId;
            }
            if (path.contains("/join-codes/{id}")) {
                return codeId;
            }
            if (path.contains("/sessions/{id}")) {
                return sessionId;
            }
            return null;
        }
    }

    private Probe probe;
    /** A read-only support session in B. */
    private String bSupport;
    private final List<String> leaks = new ArrayList<>();
    private int cases;

    @Test
    void noWayOfNamingTenantBFromTenantAReachesB() {
        long started = System.nanoTime();
        Side a = side("iso-a");
        Side b = side("iso-b");
        bSupport = given().auth().oauth2(Tokens.claims("iso-supporter", "platform-support").sign()).contentType(ContentType.JSON)
                .body(Map.of("reason", "isolation matrix", "minutes", 10)).post("/admin/tenants/" + b.tenant().id() + "/support-sessions")
                .then().statusCode(201).extract().path("token");
        List<String> secrets = List.of(b.tenant().id(), b.tenant().slug(), b.ownerId(), b.member().userId(),
                b.member().subject(), b.groupId(), b.groupName(), b.codeId(), b.sessionId(), b.settingValue(),
                b.projectId(), b.projectName(), b.taskId(), b.taskTitle(),
                b.tenant().ownerSubject() + "@example.com", b.member().subject() + "@example.com");
        Map<String, String> bBefore;
        List<List<Object>> bCatalogBefore = catalogRows(b);
        try (DbSnapshot bDb = DbSnapshot.of(b.tenant().databaseName())) {
            bBefore = bDb.take();
            probe = new Probe(root.toString());
            List<Operation> ops = ApiOperations.load().stream().filter(Operation::tenantRoute).toList();
            for (Operation op : ops) {
                matrix(op, a, b, secrets);
            }
            joinCodes(a, b, secrets);
            acrossTenants(a, b, secrets);
            Map<String, String> bAfter = bDb.take();
            long millis = (System.nanoTime() - started) / 1_000_000;
            System.out.printf("isolation matrix: %d cases, %d leaked (%d tenant routes, %d requests in %d ms; statuses %s)%n",
                    cases, leaks.size(), ops.size(), probe.sent(), millis, probe.summary());
            leaks.forEach(l -> System.out.println("  LEAK: " + l));
            probe.failures().forEach(f -> System.out.println("  FINDING: " + f));
            Report.write("isolation", concat(leaks, probe.failures()), List.of());
            assertEquals(0, leaks.size(), String.join("\n", leaks));
            assertTrue(probe.failures().isEmpty(), String.join("\n", probe.failures()));
            assertEquals(bBefore, bAfter, "B's database changed: " + DbSnapshot.diff(bBefore, bAfter));
            assertEquals(bCatalogBefore, catalogRows(b), "B's catalog rows changed");
        }
    }

    private void matrix(Operation op, Side a, Side b, List<String> secrets) {
        // With B's path: A's owner (no claim, A's claim), by B's slug and by B's id; B's own ids in the path.
        Map<String, String> bIds = ids(op, b);
        for (String bName : List.of(b.tenant().slug(), b.tenant().id())) {
            run(op, "A's owner on B's path (" + label(bName, b) + ")", path(op, bName, bIds), a.owner(), body(op, b), secrets);
            run(op, "A's owner with A's claim on B's path (" + label(bName, b) + ")", path(op, bName, bIds),
                    Tokens.userOf(a.tenant().ownerSubject(), a.tenant().slug()), body(op, b), secrets);
        }
        // 'current' with a token that claims B, for A's owner.
        for (String claim : List.of(b.tenant().slug(), b.tenant().id())) {
            run(op, "current, claim " + label(claim, b) + ", subject A's owner", path(op, "current", bIds),
                    Tokens.userOf(a.tenant().ownerSubject(), claim), body(op, b), secrets);
        }
        // B's ids in A's path, as A's owner (an admin of A: the strongest caller A has).
        if (!bIds.isEmpty() && !("PUT".equals(op.method()) && op.path().endsWith("/settings/{key}"))) {
            run(op, "B's ids in A's path", path(op, a.tenant().slug(), bIds), a.owner(), body(op, b), secrets);
        }
        // B's group as the parent of a group in A.
        if (op.path().endsWith("/groups") && "POST".equals(op.method())
                || op.path().endsWith("/groups/{id}") && "PATCH".equals(op.method())) {
            run(op, "B's group as parent in A's body", path(op, a.tenant().slug(), ids(op, a)), a.owner(),
                    "{\"name\":\"moved\",\"parentGroupId\":\"" + b.groupId() + "\"}", secrets);
        }
        // B's session, and B's member, on A's path with A's ids: B's people reaching into A.
        Map<String, String> aIds = ids(op, a);
        run(op, "B's session on A's path", path(op, a.tenant().slug(), aIds), b.session(), body(op, a), secrets);
        run(op, "B's member on A's path", path(op, a.tenant().slug(), aIds), b.member().token(), body(op, a), secrets);
        run(op, "B's support session on A's path", path(op, a.tenant().slug(), aIds), bSupport, body(op, a), secrets);
        // B's hosts (under the base domain, and B's verified domain) for A's path and for 'current', as A's owner.
        for (String host : List.of(b.tenant().slug() + ".tenants.test", b.domain())) {
            String which = host.equals(b.domain()) ? "B's domain" : "B's subdomain";
            run(op, "A's path on " + which, path(op, a.tenant().slug(), aIds), a.owner(), Map.of("Host", host),
                    body(op, a), secrets);
            run(op, "current, A's claim, on " + which, path(op, "current", aIds),
                    Tokens.userOf(a.tenant().ownerSubject(), a.tenant().slug()), Map.of("Host", host), body(op, a), secrets);
        }
    }

    /** B's join code redeemed with credentials bound to tenant A: A's claim (by slug and id), A's session. */
    private void joinCodes(Side a, Side b, List<String> secrets) {
        Operation join = new Operation("POST", "/api/join", List.of(), List.of(), true);
        String body = "{\"code\":\"" + b.code() + "\"}";
        for (String claim : List.of(a.tenant().slug(), a.tenant().id())) {
            String token = Tokens.claims(a.tenant().ownerSubject()).claim("tenant", claim)
                    .claim("email", a.tenant().ownerSubject() + "@example.com").sign();
            run(join, "B's join code, token claiming A (" + (claim.equals(a.tenant().id()) ? "id" : "slug") + ")",
                    "/api/join", token, body, secrets);
        }
        run(join, "B's join code, A's session", "/api/join", a.session(), body, secrets);
    }

    /**
     * The routes about a person rather than one tenant: A's session cannot be switched into B, and "my tenants" of A's
     * owner, A's member and A's session names nothing of B.
     */
    private void acrossTenants(Side a, Side b, List<String> secrets) {
        Operation switchTo = new Operation("POST", "/auth/switch", List.of(), List.of(), true);
        for (String name : List.of(b.tenant().slug(), b.tenant().id())) {
            run(switchTo, "A's session switched to B (" + label(name, b) + ")", "/auth/switch", a.session(),
                    "{\"tenant\":\"" + name + "\"}", secrets);
        }
        for (String token : List.of(a.owner(), a.member().token(), a.session())) {
            cases++;
            Sent r = probe.send("GET /api/me/tenants", "GET", "/api/me/tenants", token, Map.of(), null, null, false);
            if (r.status() != 200) {
                leaks.add("GET /api/me/tenants as one of A's people → " + r.status() + " " + Probe.abbreviate(r.body()));
            }
            for (String secret : secrets) {
                if (r.body().contains(secret)) {
                    leaks.add("GET /api/me/tenants as one of A's people names B's '" + secret + "'");
                }
            }
        }
    }

    private void run(Operation op, String how, String target, String token, String body, List<String> secrets) {
        run(op, how, target, token, Map.of(), body, secrets);
    }

    private void run(Operation op, String how, String target, String token, Map<String, String> headers, String body,
            List<String> secrets) {
        cases++;
        String what = op + " | " + how;
        Sent r = probe.send(what, op.method(), target, token, headers, body == null ? null
                : body.getBytes(StandardCharsets.UTF_8), "application/json", false);
        String request = target + " " + (body == null ? "" : body);
        if (r.ok()) {
            leaks.add(what + " → " + r.status() + " " + Probe.abbreviate(r.body()));
            return;
        }
        for (String secret : secrets) {
            if (r.body().contains(secret) && !request.contains(secret)) {
                leaks.add(what + " → " + r.status() + " answer names B's '" + secret + "': " + Probe.abbreviate(r.body()));
                return;
            }
        }
    }

    private static Map<String, String> ids(Operation op, Side side) {
        Map<String, String> ids = new LinkedHashMap<>();
        op.params("path").stream().filter(p -> !"tenant".equals(p.name())).forEach(p -> {
            String id = side.idFor(op.path(), p.name());
            if (id != null) {
                ids.put(p.name(), id);
            }
        });
        return ids;
    }

    private static String path(Operation op, String tenant, Map<String, String> ids) {
        String path = op.path().replace("{tenant}", tenant);
        for (var e : ids.entrySet()) {
            path = path.replace("{" + e.getKey() + "}", e.getValue());
        }
        return path;
    }

    /** A body the operation would accept, so that only isolation can refuse it; null for operations without one. */
    private static String body(Operation op, Side owner) {
        if (!op.hasBody()) {
            return null;
        }
        String p = op.path();
        if (p.endsWith("/me")) {
            return "{\"name\":\"Renamed\"}";
        }
        if (p.endsWith("/users/{id}")) {
            return "{\"role\":\"viewer\"}";
        }
        if (p.endsWith("/join-codes")) {
            return "{\"role\":\"member\",\"maxUses\":1}";
        }
        if (p.endsWith("/groups") || p.endsWith("/groups/{id}")) {
            return "{\"name\":\"renamed\",\"parentGroupId\":\"" + owner.groupId() + "\"}";
        }
        if (p.endsWith("/settings/{key}")) {
            return "{\"value\":\"overwritten\"}";
        }
        if (p.endsWith("/projects")) {
            return "{\"name\":\"planted\"}";
        }
        if (p.endsWith("/tasks/{task}")) {
            return "{\"done\":true}";
        }
        if (p.endsWith("/tasks")) {
            return "{\"title\":\"planted\"}";
        }
        if (p.endsWith("/domains")) {
            return "{\"domain\":\"" + owner.domain() + "\",\"autoJoinRole\":\"member\"}";
        }
        if (p.endsWith("/domains/{domain}")) {
            return "{\"autoJoinRole\":\"member\"}";
        }
        return "{}";
    }

    private static String label(String name, Side b) {
        return name.equals(b.tenant().id()) ? "B's id" : "B's slug";
    }

    private static List<List<Object>> catalogRows(Side side) {
        List<List<Object>> rows = new ArrayList<>(Catalog.query("keyhub", "SELECT slug, status, schema_version, "
                + "database_name, frozen_for FROM tenants WHERE id = ?::uuid", side.tenant().id()));
        rows.addAll(Catalog.query("keyhub", "SELECT code_hash FROM join_code_index WHERE tenant_id = ?::uuid ORDER BY 1",
                side.tenant().id()));
        rows.addAll(Catalog.query("keyhub", "SELECT domain, token, verified_at, auto_join_role FROM tenant_domains "
                + "WHERE tenant_id = ?::uuid ORDER BY 1", side.tenant().id()));
        return rows;
    }

    /**
     * A tenant with an owner, a member in a group, a join code, an open session, a setting, and a project with a
     * task (the example feature).
     */
    private static Side side(String prefix) {
        var t = Tenants.create(prefix);
        String owner = Members.ownerToken(t);
        String base = "/api/tenants/" + t.slug();
        var member = Members.add(t, "member");
        String ownerId = given().auth().oauth2(owner).get(base + "/me").then().statusCode(200).extract().path("id");
        String groupName = prefix + "-group-" + UUID.randomUUID().toString().substring(0, 8);
        String groupId = given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", groupName))
                .post(base + "/groups").then().statusCode(201).extract().path("id");
        given().auth().oauth2(owner).put(base + "/groups/" + groupId + "/members/" + member.userId())
                .then().statusCode(204);
        var code = given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("role", "member", "maxUses", 5))
                .post(base + "/join-codes").then().statusCode(201).extract();
        var session = given().auth().oauth2(owner).post(base + "/sessions").then().statusCode(201).extract();
        String settingValue = prefix + "-setting-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> value = new HashMap<>();
        value.put("value", Map.of("secret", settingValue));
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(value).put(base + "/settings/" + prefix + ".secret")
                .then().statusCode(200);
        String projectName = prefix + "-project-" + UUID.randomUUID().toString().substring(0, 8);
        String projectId = given().auth().oauth2(member.token()).contentType(ContentType.JSON)
                .body(Map.of("name", projectName)).post(base + "/projects").then().statusCode(201).extract().path("id");
        String taskTitle = prefix + "-task-" + UUID.randomUUID().toString().substring(0, 8);
        String taskId = given().auth().oauth2(member.token()).contentType(ContentType.JSON)
                .body(Map.of("title", taskTitle)).post(base + "/projects/" + projectId + "/tasks").then().statusCode(201)
                .extract().path("id");
        String domain = Domains.verified(t, null);
        return new Side(t, ownerId, member, groupId, groupName, code.path("id"), code.path("code"), session.path("id"),
                session.path("token"), prefix + ".secret", settingValue, projectId, projectName, taskId, taskTitle, domain);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
