package dev.keyhub.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.RestartablePostgres;
import dev.keyhub.support.SecondPostgres;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * A tenant-hosting PostgreSQL server goes down while KeyHub runs: its tenants get 503 problems at once, the
 * rest of the fleet is served, the health view names them, and they are served again when the server is back,
 * without restarting KeyHub.
 */
@QuarkusTest
@TestProfile(ServerOutageTest.Outage.class)
class ServerOutageTest {

    public static class Outage implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecondPostgres.class));
        }
    }

    static final String SERVER = "outage";
    static final Duration QUICK = Duration.ofSeconds(5);

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    record Answer(int status, String contentType, String retryAfter, String body, Duration took) {
    }

    @Test
    void tenantsOfAStoppedServerGet503QuicklyAndAreServedAgainWhenItIsBack() throws Exception {
        Map<String, Object> server = new HashMap<>(Map.of("id", SERVER, "host", "127.0.0.1",
                "port", Integer.getInteger(SecondPostgres.PORT), "region", SERVER, "capacity", 100, "credentialsRef", "second"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(server)
                .post("/admin/db-servers").then().statusCode(201);
        List<Tenants.Created> down = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            down.add(create("outage", SERVER));
        }
        Tenants.Created up = create("stays-up", "default");
        for (Tenants.Created t : down) {
            assertEquals(200, get(t, "/me").status(), "served before the outage");
        }

        RestartablePostgres postgres = SecondPostgres.handle();
        postgres.stop();
        try {
            // 50 concurrent requests for tenants on the stopped server, while other routes are asked too.
            List<CompletableFuture<Answer>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                Tenants.Created t = down.get(i % down.size());
                calls.add(sendAsync(request(t, i % 2 == 0 ? "/me" : "/users")));
            }
            Answer other = get(up, "/me");
            Answer live = send(HttpRequest.newBuilder(base.resolve("/q/health/live")));
            Duration slowest = Duration.ZERO;
            for (CompletableFuture<Answer> call : calls) {
                Answer a = call.get(30, TimeUnit.SECONDS);
                slowest = a.took().compareTo(slowest) > 0 ? a.took() : slowest;
                assertEquals(503, a.status(), a.body());
                assertTrue(a.contentType().startsWith("application/problem+json"), a.contentType());
                assertTrue(a.body().contains("\"code\":\"tenant_database_unavailable\""), a.body());
                assertNotNull(a.retryAfter(), "Retry-After on " + a.body());
                assertTrue(a.took().compareTo(QUICK) < 0, "answered within " + QUICK + ", took " + a.took());
            }
            assertEquals(200, other.status(), "a tenant on the default server is served: " + other.body());
            assertTrue(other.took().compareTo(QUICK) < 0, "and quickly: " + other.took());
            assertEquals(200, live.status());
            System.out.printf("reliability: server down: 50 concurrent requests all 503, slowest %d ms; "
                    + "default-server tenant meanwhile 200 in %d ms%n", slowest.toMillis(), other.took().toMillis());

            // Writes fail the same clean way.
            given().auth().oauth2(Tokens.user(down.get(0).ownerSubject())).contentType(ContentType.JSON)
                    .body(Map.of("name", "During the outage")).patch("/api/tenants/" + down.get(0).slug() + "/me")
                    .then().statusCode(503).contentType("application/problem+json")
                    .body("code", equalTo("tenant_database_unavailable"));

            var health = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then()
                    .statusCode(200).extract();
            for (Tenants.Created t : down) {
                assertEquals(false, health.path("tenants.find { it.slug == '" + t.slug() + "' }.reachable"));
                assertEquals("unreachable", health.path("tenants.find { it.slug == '" + t.slug() + "' }.error"));
            }
            assertEquals(true, health.path("tenants.find { it.slug == '" + up.slug() + "' }.reachable"));
        } finally {
            postgres.startAgain();
        }

        // Back: every tenant of the server is served again by the same KeyHub, reads and writes.
        long start = System.nanoTime();
        for (Tenants.Created t : down) {
            Answer a = get(t, "/me");
            while (a.status() != 200 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30)) {
                Thread.sleep(200);
                a = get(t, "/me");
            }
            assertEquals(200, a.status(), "served again after the restart: " + a.body());
        }
        Duration recovered = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(recovered.compareTo(QUICK) < 0, "served again within " + QUICK + ", took " + recovered);
        System.out.printf("reliability: server back: its tenants served again after %d ms%n", recovered.toMillis());
        given().auth().oauth2(Tokens.user(down.get(0).ownerSubject())).contentType(ContentType.JSON)
                .body(Map.of("name", "After the outage")).patch("/api/tenants/" + down.get(0).slug() + "/me")
                .then().statusCode(200);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then().statusCode(200)
                .body("tenants.find { it.slug == '" + down.get(1).slug() + "' }.reachable", equalTo(true));

    }

    /**
     * Takes the server out again, as DbServersTest does: later profiles have no credentials for it, and a
     * registered active server without credentials stops KeyHub from starting.
     */
    @AfterEach
    void takeTheServerOut() {
        List<List<Object>> ids = Catalog.query("keyhub", "SELECT id::text FROM tenants WHERE db_server_id = ? "
                + "AND status IN ('ACTIVE', 'SUSPENDED')", SERVER);
        for (List<Object> id : ids) {
            given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete("/admin/tenants/" + id.get(0));
        }
        Catalog.execute("keyhub", "UPDATE db_servers SET status = 'disabled' WHERE id = '" + SERVER + "'");
    }

    /** A tenant placed on the server of the given region. */
    static Tenants.Created create(String prefix, String region) {
        String slug = Tenants.uniqueSlug(prefix);
        Map<String, Object> body = new HashMap<>(Tenants.body(slug, "owner-" + slug));
        body.put("region", region);
        var r = Tenants.post(body);
        r.then().statusCode(201).body("server", equalTo(SERVER.equals(region) ? SERVER : "default"));
        return new Tenants.Created(r.path("id"), slug, "owner-" + slug, r.path("databaseName"));
    }

    private HttpRequest.Builder request(Tenants.Created t, String path) {
        return HttpRequest.newBuilder(base.resolve("/api/tenants/" + t.slug() + path))
                .header("Authorization", "Bearer " + Tokens.user(t.ownerSubject()));
    }

    private Answer get(Tenants.Created t, String path) {
        return send(request(t, path));
    }

    private Answer send(HttpRequest.Builder request) {
        return sendAsync(request).join();
    }

    /** Sends without blocking a thread, so that many requests are really in flight at once; 20 s at most each. */
    private CompletableFuture<Answer> sendAsync(HttpRequest.Builder request) {
        long t0 = System.nanoTime();
        return http.sendAsync(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                        r.headers().firstValue("Retry-After").orElse(null), r.body(),
                        Duration.ofNanos(System.nanoTime() - t0)))
                .exceptionally(e -> new Answer(-1, "", null, e.toString(), Duration.ofNanos(System.nanoTime() - t0)));
    }
}
