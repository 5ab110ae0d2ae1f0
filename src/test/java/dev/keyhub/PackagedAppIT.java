package dev.keyhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import io.smallrye.jwt.build.Jwt;

/**
 * The packaged application as an operator runs it: {@code java -jar target/quarkus-app/quarkus-run.jar} in
 * the prod profile, configured only through environment variables, against a real PostgreSQL. Runs in the
 * integration-test phase (maven-failsafe-plugin), after {@code package} has built the jar. The child's output
 * goes to {@code target/packaged-app.log}; its tail is printed when something fails.
 */
class PackagedAppIT {

    private static final Path TARGET = Path.of("target");
    private static final Path LOG = TARGET.resolve("packaged-app.log");
    private static final String ISSUER = "https://keyhub.test/packaged";
    /** The embedded server's superuser (see EmbeddedPostgres). */
    private static final String PG_USER = "postgres";
    private static final String PG_PASSWORD = "postgres";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final List<EmbeddedPostgres> servers = new ArrayList<>();
    private Process app;

    @Test
    void thePackagedJarStartsInProdAndServes() throws Exception {
        Path jar = Path.of(System.getProperty("keyhub.packaged-jar", "target/quarkus-app/quarkus-run.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is missing: run the package phase first");
        Path publicKey = Path.of("src", "test", "resources", "test-keys", "publicKey.pem").toAbsolutePath();

        EmbeddedPostgres catalog = start("packaged-catalog");
        catalog.createDatabase("keyhub");
        EmbeddedPostgres tenants = start("packaged-tenants");
        int port = freePort();
        String base = "http://127.0.0.1:" + port;

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(javaBin, "-Xmx384m", "-jar", jar.toAbsolutePath().toString())
                .redirectErrorStream(true).redirectOutput(LOG.toFile());
        Map<String, String> env = builder.environment();
        // Only what this test sets: nothing inherited from the build's environment.
        env.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("KEYHUB_") || k.startsWith("MP_")
                || k.startsWith("SMALLRYE_"));
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:" + catalog.port() + "/keyhub");
        env.put("QUARKUS_DATASOURCE_USERNAME", PG_USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", PG_PASSWORD);
        env.put("KEYHUB_ISSUER", ISSUER);
        // A key file instead of Keycloak's JWKS URL: the test key pair, which the dev-key guard lets through.
        env.put("KEYHUB_JWKS_URL", publicKey.toString());
        // Credentials of a second server, passed as deploy/base passes them: reference "tenantseu1". (A reference
        // with separators, such as "tenants-eu-1", cannot be given this way: SmallRye Config maps
        // KEYHUB_CREDENTIALS_TENANTS_EU_1_USERNAME to no map key at all.)
        env.put("KEYHUB_CREDENTIALS_TENANTSEU1_USERNAME", PG_USER);
        env.put("KEYHUB_CREDENTIALS_TENANTSEU1_PASSWORD", PG_PASSWORD);
        app = builder.start();

        try {
            HttpResponse<String> ready = awaitReady(base + "/q/health/ready");
            assertEquals("UP", json.readTree(ready.body()).path("status").asText(), ready.body());
            // The probes deploy/base/keyhub-deployment.yaml uses.
            for (String probe : List.of("/q/health/started", "/q/health/live")) {
                HttpResponse<String> answer = get(base + probe, null);
                assertEquals(200, answer.statusCode(), probe + ": " + answer.body());
            }

            HttpResponse<String> anonymous = get(base + "/admin/tenants", null);
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            assertTrue(anonymous.headers().firstValue("Content-Type").orElse("").startsWith("application/problem+json"),
                    "content type: " + anonymous.headers().firstValue("Content-Type"));

            String admin = Jwt.issuer(ISSUER).subject("packaged-it")
                    .claim("realm_access", Map.of("roles", List.of("platform-admin"))).expiresIn(300)
                    .sign(privateKey(Path.of("src", "test", "resources", "test-keys", "privateKey.pem")));
            HttpResponse<String> list = get(base + "/admin/db-servers", admin);
            assertEquals(200, list.statusCode(), list.body());

            // The environment variables KEYHUB_CREDENTIALS_TENANTSEU1_* answer to credentialsRef "tenantseu1".
            String body = """
                    {"id":"tenants-eu-1","host":"127.0.0.1","port":%d,"region":"eu","capacity":100,
                     "credentialsRef":"tenantseu1"}""".formatted(tenants.port());
            HttpResponse<String> registered = http.send(HttpRequest.newBuilder(URI.create(base + "/admin/db-servers"))
                    .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + admin)
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, registered.statusCode(), registered.body());
            JsonNode server = json.readTree(registered.body());
            assertEquals("tenants-eu-1", server.path("id").asText(), registered.body());

            HttpResponse<String> metrics = get(base + "/q/metrics", null);
            assertEquals(200, metrics.statusCode());
        } catch (AssertionError | Exception e) {
            System.err.println("---- last lines of " + LOG + " ----\n" + tail(LOG, 80) + "\n----");
            throw e;
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (app != null && app.isAlive()) {
            app.destroy();
            if (!app.waitFor(30, TimeUnit.SECONDS)) {
                app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
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

    private HttpResponse<String> awaitReady(String url) throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                fail("the application exited with " + app.exitValue() + " before it was ready");
            }
            try {
                last = get(url, null);
                if (last.statusCode() == 200) {
                    return last;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            }
            Thread.sleep(500);
        }
        fail("not ready within " + READY_TIMEOUT.toSeconds() + " s; last answer: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
        return null;
    }

    private HttpResponse<String> get(String url, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static PrivateKey privateKey(Path pem) throws Exception {
        String base64 = Files.readString(pem).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
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
