package dev.keyhub.reliability;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.RestartablePostgres;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * The catalog's PostgreSQL server (in tests also the default tenant server) is stopped and started again on
 * the same port and data while KeyHub runs: meanwhile requests are answered at once with problems, and
 * afterwards KeyHub serves again by itself, through its reactive pools and its JDBC pool alike.
 * Its own profile, so that the application instance that lived through the restart is not reused.
 */
@QuarkusTest
@TestProfile(CatalogRestartTest.OwnInstance.class)
class CatalogRestartTest {

    public static class OwnInstance implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.migrations.poll", "200ms");
        }
    }

    static final Duration QUICK = Duration.ofSeconds(5);
    static final Duration RECOVERY = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void keyhubServesAgainByItselfAfterTheCatalogServerRestarts() throws Exception {
        Tenants.Created tenant = Tenants.create("catalog-restart");
        String owner = Members.ownerToken(tenant);
        String admin = Tokens.platformAdmin();
        assertEquals(200, status("/admin/tenants", admin));
        assertEquals(200, status("/api/tenants/" + tenant.slug() + "/me", owner));

        RestartablePostgres server = Catalog.server();
        server.stop();
        try {
            for (String path : List.of("/admin/tenants", "/admin/tenants/" + tenant.id(), "/api/tenants/" + tenant.slug() + "/me",
                    "/admin/audit-log")) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = send(path, path.startsWith("/admin") ? admin : owner);
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                assertTrue(took.compareTo(QUICK) < 0, path + " answered within " + QUICK + ", took " + took);
                assertEquals(503, r.statusCode(), path + ": " + r.body());
                assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"));
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), path + " has Retry-After");
            }
            assertEquals(200, status("/q/health/live", null), "the process itself stays live");
        } finally {
            server.startAgain();
        }

        Duration recovered = await(() -> status("/admin/tenants", admin) == 200);
        assertTrue(recovered.compareTo(RECOVERY) < 0, "the admin list works again, after " + recovered);
        System.out.printf("reliability: catalog back: admin list served again after %d ms%n", recovered.toMillis());
        await(() -> status("/api/tenants/" + tenant.slug() + "/me", owner) == 200);
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "After the restart"))
                .patch("/api/tenants/" + tenant.slug() + "/me").then().statusCode(200);
        Tenants.Created created = Tenants.create("after-restart");
        Members.add(created, "member");

        // The JDBC side too (migration jobs run on it): a job with nothing to do reaches its end.
        String job = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("dryRun", true, "tenants", Map.of("ids", List.of(tenant.id()))))
                .post("/admin/migrations").then().statusCode(202).extract().path("id");
        await(() -> Set.of("SUCCEEDED").contains(given().auth().oauth2(admin).get("/admin/migrations/" + job)
                .then().extract().<String>path("state")));
        assertEquals(200, status("/q/health/ready", null));
    }

    private int status(String path, String token) {
        try {
            return send(path, token).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    private HttpResponse<String> send(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static Duration await(Supplier<Boolean> condition) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.get()) {
            if (System.nanoTime() - start > RECOVERY.toNanos()) {
                throw new AssertionError("not recovered within " + RECOVERY);
            }
            Thread.sleep(200);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
