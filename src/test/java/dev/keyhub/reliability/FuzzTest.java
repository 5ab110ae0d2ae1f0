package dev.keyhub.reliability;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.reliability.ApiOperations.Operation;
import dev.keyhub.reliability.ApiOperations.Param;
import dev.keyhub.reliability.ApiOperations.Property;
import dev.keyhub.reliability.Hostile.Value;
import dev.keyhub.reliability.Probe.Sent;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * Every operation of the OpenAPI document gets hostile requests: malformed JSON, wrong types for every body
 * property, odd Unicode and metacharacters in every string field, query and path parameter, oversized bodies and
 * headers, no credentials. Every answer must be a clean refusal (no 5xx, a problem document, nothing of the
 * implementation), and a refused request must leave the catalog and the tenant's database exactly as they were.
 */
@QuarkusTest
class FuzzTest {

    private static final String ABSENT_ID = UUID.randomUUID().toString();
    private static final String ABSENT_KEY = "fuzz.absent";
    private static final int LIMIT = 1024 * 1024;
    /**
     * Inputs an operation may accept although they look hostile, "{method} {path} {where} {name}": free text fields
     * (names, titles) and a setting's value (any JSON) take odd but valid text, a session records any User-Agent, and a migration
     * job's options are all optional (an empty body means the defaults). Any other hostile input that gets a 2xx
     * from a changing operation is a finding.
     */
    private static final Set<String> ACCEPTABLE = Set.of(
            "PATCH /api/tenants/{tenant}/me body name",
            "PATCH /api/tenants/{tenant}/me body icon",
            "POST /api/tenants/{tenant}/groups body name",
            "POST /api/tenants/{tenant}/projects body name",
            "POST /api/tenants/{tenant}/projects/{id}/tasks body title",
            "PUT /api/tenants/{tenant}/settings/{key} body value",
            "POST /api/tenants/{tenant}/sessions header User-Agent",
            "POST /admin/migrations body empty",
            "POST /admin/organizations body name");

    @TestHTTPResource("/")
    URL root;

    private Probe probe;
    private DbSnapshot catalog;
    private DbSnapshot tenantDb;
    private Map<String, String> lastCatalog;
    private Map<String, String> lastTenant;
    private final List<String> accepted = new ArrayList<>();
    private int rawPathsSent;
    private String slug;
    private String owner;
    private String member;
    private String admin;
    private String service;
    private String joiner;

    @Test
    void hostileInputIsRefusedCleanlyAndChangesNothing() {
        long started = System.nanoTime();
        var tenant = Tenants.create("fuzz");
        slug = tenant.slug();
        owner = Members.ownerToken(tenant);
        member = Members.add(tenant, "member").token();
        admin = Tokens.platformAdmin();
        service = Tokens.claims("fuzz-service", "tenant-database-client").sign();
        joiner = Tokens.withEmail("fuzz-joiner-" + UUID.randomUUID().toString().substring(0, 8));
        seed(tenant);

        List<Operation> ops = ApiOperations.load();
        probe = new Probe(root.toString());
        try (DbSnapshot c = DbSnapshot.of("keyhub"); DbSnapshot t = DbSnapshot.of(tenant.databaseName())) {
            catalog = c;
            tenantDb = t;
            lastCatalog = c.take();
            lastTenant = t.take();
            for (Operation op : ops) {
                fuzz(op);
            }
            oversizedHeaders(ops);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("fuzz: %d operations, %d requests in %d ms; statuses %s%n", ops.size(), probe.sent(), millis,
                probe.summary());
        System.out.printf("fuzz: %d odd but valid inputs accepted (free text, any-JSON values, optional options), %d findings%n",
                accepted.size(), probe.failures().size());
        accepted.stream().limit(40).forEach(a -> System.out.println("  accepted: " + a));
        probe.failures().stream().limit(80).forEach(f -> System.out.println("  FINDING: " + f));
        Report.write("fuzz", probe.failures(), accepted);
        assertTrue(probe.failures().isEmpty(), probe.failures().size() + " findings, first: "
                + probe.failures().stream().limit(10).collect(Collectors.joining("\n")));
    }

    /** Some rows in every table, so that a refused request that changed any of them would show. */
    private void seed(Tenants.Created tenant) {
        String base = "/api/tenants/" + slug;
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "Fuzz group"))
                .post(base + "/groups").then().statusCode(201);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("value", Map.of("a", 1)))
                .put(base + "/settings/fuzz.seed").then().statusCode(200);
        given().auth().oauth2(owner).post(base + "/sessions").then().statusCode(201);
        Members.code(tenant, "viewer", 5);
    }

    private void fuzz(Operation op) {
        String token = tokenFor(op);
        String body = op.hasBody() ? "{}" : null;
        // Browser login is open to anyone (its callback and login answer 400 to an empty request); logout is not.
        boolean open = op.path().startsWith("/dev/") || op.path().equals("/auth/login") || op.path().equals("/auth/callback");
        if (!open) {
            Sent r = attempt(op, "auth none", "unauthenticated", fill(op, Map.of()), null, Map.of(), bytes(body), false);
            expect(r, 401);
            if (op.admin()) {
                expect(attempt(op, "auth tenant-owner", "as a tenant owner", fill(op, Map.of()), owner, Map.of(),
                        bytes(body), false), 403);
            }
        }
        for (Param p : op.params("path")) {
            // Every value on reads; a sample on writes, whose path parameters go through the same parsing.
            for (Value v : "GET".equals(op.method()) ? pathValues(p) : Hostile.sample()) {
                attempt(op, "path " + p.name(), "path " + p.name() + "=" + v.label(), fill(op, Map.of(p.name(), v.url())),
                        token, Map.of(), bytes(body), false);
            }
            if (rawPathsSent++ < 3) {
                // Not valid URIs: refused by Quarkus before routing, so the same for every operation.
                for (String raw : List.of("%zz", "%", "%u0041", "a%2")) {
                    send(op, "path " + p.name(), "raw path " + p.name() + "=" + raw,
                            () -> probe.sendRaw(op + " raw path " + p.name() + "=" + raw, op.method(),
                                    fill(op, Map.of(p.name(), raw)), token, List.of(), body, 400));
                }
            }
        }
        for (Param p : op.params("query")) {
            for (Value v : Hostile.STRINGS) {
                attempt(op, "query " + p.name(), "query " + p.name() + "=" + v.label(),
                        fill(op, Map.of()) + "?" + p.name() + "=" + v.url(), token, Map.of(), bytes(body), false);
            }
        }
        for (Param p : op.params("header")) {
            String headerBody = headerBody(op, body);
            for (String v : List.of("' OR 1=1--", "../../etc/passwd", "a;b=c", "\"", "\\", "%00", "${jndi:ldap://x/a}",
                    "", "   ", "A".repeat(300), "A".repeat(8000))) {
                attempt(op, "header " + p.name(), "header " + p.name() + "=" + v.substring(0, Math.min(20, v.length()))
                        + " (" + v.length() + " chars)", fill(op, Map.of()), token,
                        Map.of(p.name(), v), bytes(headerBody), false);
            }
            String emoji = new String("\uD83D\uDE00".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
            send(op, "header " + p.name(), "raw header " + p.name() + "=utf-8 bytes",
                    () -> probe.sendRaw(op + " raw header " + p.name(), op.method(), fill(op, Map.of()), token,
                            List.of(p.name() + ": " + emoji), headerBody, 0));
        }
        if (op.hasBody()) {
            fuzzBody(op, token);
        }
        if (op.tenantRoute()) {
            // A member (not an admin) gets a few of the same.
            for (Value v : List.of(Hostile.STRINGS.get(0), Hostile.STRINGS.get(6), Hostile.IDS.get(0))) {
                attempt(op, "member path", "as member, path tenant=" + v.label(), fill(op, Map.of("tenant", v.url())),
                        member, Map.of(), bytes(body), false);
            }
            if (op.hasBody()) {
                for (Value v : Hostile.malformedBodies(field(op)).subList(0, 3)) {
                    attempt(op, "member body", "as member, body " + v.label(), fill(op, Map.of()), member, Map.of(),
                            bytes(v.json()), false);
                }
            }
        }
    }

    private void fuzzBody(Operation op, String token) {
        String target = fill(op, Map.of());
        for (Value v : Hostile.malformedBodies(field(op))) {
            attempt(op, "body " + v.label(), "body " + v.label(), target, token, Map.of(), bytes(v.json()), false);
        }
        attempt(op, "body invalid-utf8", "body invalid-utf8", target, token, Map.of(), Hostile.invalidUtf8Body(), false);
        attempt(op, "body empty", "body empty", target, token, Map.of(), new byte[0], false);
        send(op, "content-type", "text/plain body", () -> probe.send(op + " text/plain body", op.method(), target, token,
                Map.of(), bytes("{}"), "text/plain", false));
        for (Property p : op.body()) {
            for (String wrong : Hostile.wrongTypes(p.type())) {
                attempt(op, "body " + p.dotted(), "body " + p.dotted() + "=" + wrong, target, token, Map.of(),
                        bytes(jsonAt(p.path(), wrong)), false);
            }
            if ("string".equals(p.type()) || "any".equals(p.type())) {
                for (Value v : op.admin() ? Hostile.sample() : Hostile.STRINGS) {
                    if (v.json() == null) {
                        continue;
                    }
                    attempt(op, "body " + p.dotted(), "body " + p.dotted() + "=" + v.label(), target, token, Map.of(),
                            bytes(jsonAt(p.path(), v.json())), false);
                }
            }
            if ("array".equals(p.type()) && "string".equals(p.itemType())) {
                for (Value v : Hostile.STRINGS) {
                    attempt(op, "body " + p.dotted(), "body " + p.dotted() + "=[" + v.label() + "]", target, token,
                            Map.of(), bytes(jsonAt(p.path(), "[" + v.json() + "]")), false);
                }
            }
        }
        // Bodies over the limit, with a length and chunked; and one just under it.
        String field = field(op);
        byte[] huge = bytes("{\"" + field + "\":\"" + "A".repeat(LIMIT + 64 * 1024) + "\"}");
        expect(attempt(op, "body huge", "body of " + huge.length + " bytes", target, token, Map.of(), huge, false), 413);
        expect(attempt(op, "body huge", "chunked body of " + huge.length + " bytes", target, token, Map.of(), huge, true),
                413);
        byte[] under = bytes("{\"" + field + "\":\"" + "A".repeat(LIMIT - 1024) + "\"}");
        attempt(op, "body " + field, "body of " + under.length + " bytes", target, token, Map.of(), under, false);
    }

    /** Headers over the 16K limit, one big and many small, on a few operations (the HTTP codec refuses them). */
    private void oversizedHeaders(List<Operation> ops) {
        for (Operation op : ops.stream().filter(o -> "GET".equals(o.method())).limit(3).toList()) {
            expect(attempt(op, "header huge", "one 20K header", fill(op, Map.of()), tokenFor(op),
                    Map.of("X-Fuzz", "A".repeat(20_000)), null, false), 431);
            Map<String, String> many = new HashMap<>();
            for (int i = 0; i < 150; i++) {
                many.put("X-Fuzz-" + i, "B".repeat(120));
            }
            expect(attempt(op, "header huge", "150 headers of 120 bytes", fill(op, Map.of()), tokenFor(op), many, null,
                    false), 431);
        }
    }

    private Sent attempt(Operation op, String where, String what, String target, String token, Map<String, String> headers,
            byte[] body, boolean chunked) {
        return send(op, where, what, () -> probe.send(op + " " + what, op.method(), target, token, headers, body,
                "application/json", chunked));
    }

    /** Sends one request and checks that it changed nothing unless it was accepted, and was allowed to be. */
    private Sent send(Operation op, String where, String what, java.util.function.Supplier<Sent> request) {
        Sent r = request.get();
        Map<String, String> c = catalog.take();
        Map<String, String> t = tenantDb.take();
        if (r.ok() && op.writes()) {
            accepted.add(op + " " + what + " → " + r.status());
            if (!ACCEPTABLE.contains(op + " " + where)) {
                probe.fail(op + " " + what + " → " + r.status() + ": hostile input accepted");
            }
            if (!c.equals(lastCatalog)) {
                // An accepted migration job goes on in the background: wait until it has finished.
                for (int i = 0; i < 100 && unfinishedJobs() > 0; i++) {
                    pause();
                }
                c = catalog.take();
            }
        } else if (!c.equals(lastCatalog) || !t.equals(lastTenant)) {
            probe.fail(op + " " + what + " → " + r.status() + ": refused, but changed catalog ["
                    + DbSnapshot.diff(lastCatalog, c) + "] tenant [" + DbSnapshot.diff(lastTenant, t) + "]");
        }
        lastCatalog = c;
        lastTenant = t;
        return r;
    }

    private static long unfinishedJobs() {
        return ((Number) Catalog.query("keyhub", "SELECT count(*) FROM migration_jobs WHERE finished_at IS NULL")
                .get(0).get(0)).longValue();
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void expect(Sent r, int status) {
        if (r.status() != status) {
            probe.fail(r.label() + " → " + r.status() + ", expected " + status);
        }
    }

    private String tokenFor(Operation op) {
        if (op.admin()) {
            return admin;
        }
        if (op.path().startsWith("/service/")) {
            return service;
        }
        if (op.tenantRoute()) {
            return owner;
        }
        return op.path().startsWith("/dev/") ? null : joiner;
    }

    private static List<Value> pathValues(Param p) {
        List<Value> values = new ArrayList<>(concat(Hostile.STRINGS, Hostile.URL_ONLY));
        values.addAll("tenant".equals(p.name()) ? Hostile.SLUGS : Hostile.IDS);
        return values;
    }

    /** The operation's path with valid values (the fuzz tenant, ids that exist nowhere) except where overridden. */
    private String fill(Operation op, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("tenant", slug, "id", ABSENT_ID, "userId", ABSENT_ID,
                "task", ABSENT_ID, "key", ABSENT_KEY, "slug", "absent-organization", "domain", "absent.example.com"));
        values.putAll(overrides);
        String path = op.path();
        for (var e : values.entrySet()) {
            path = path.replace("{" + e.getKey() + "}", e.getValue());
        }
        return path;
    }

    /** For header parameters: a body that passes validation but is refused later (the fuzz tenant's slug is taken). */
    private String headerBody(Operation op, String fallback) {
        if ("POST".equals(op.method()) && "/admin/tenants".equals(op.path())) {
            return "{\"slug\":\"" + slug + "\",\"name\":\"Taken\",\"owner\":{\"subject\":\"s\",\"email\":\"s@example.com\"}}";
        }
        return fallback;
    }

    /** The first property of the operation's body, for bodies that need a real field name. */
    private static String field(Operation op) {
        return op.body().isEmpty() ? "x" : op.body().get(0).path().get(0);
    }

    /** {"a":{"b": value}} for the path [a, b]. */
    private static String jsonAt(List<String> path, String value) {
        String json = value;
        for (int i = path.size() - 1; i >= 0; i--) {
            json = "{\"" + path.get(i) + "\":" + json + "}";
        }
        return json;
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
