package dev.keyhub.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.smallrye.jwt.build.Jwt;

import dev.keyhub.embedded.EmbeddedPostgres;

/**
 * The packaged jar ({@code target/quarkus-app/quarkus-run.jar}) as a child process in the prod profile,
 * configured through environment variables like an operator would, for drills that load it, kill it and start
 * it again. Its output is appended to a log file, so restarts keep one log.
 */
public final class PackagedKeyHub {

    public static final String ISSUER = "https://keyhub.test/drill";
    private static final Path KEYS = Path.of("src", "test", "resources", "test-keys");

    private final Path log;
    private final EmbeddedPostgres catalog;
    private final Map<String, String> extraEnv;
    private final List<String> jvmArgs;
    private final int port;
    private final int managementPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    public record Answer(int status, String body, long nanos, String retryAfter, String contentType) {
    }

    public PackagedKeyHub(Path log, EmbeddedPostgres catalog, Map<String, String> extraEnv, List<String> jvmArgs)
            throws IOException {
        this.log = log;
        this.catalog = catalog;
        this.extraEnv = extraEnv;
        this.jvmArgs = jvmArgs;
        this.port = freePort();
        this.managementPort = freePort();
        Files.deleteIfExists(log);
    }

    /** Starts the jar and waits until it reports ready; returns how long that took. */
    public Duration start() throws Exception {
        Path jar = Path.of(System.getProperty("keyhub.packaged-jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the package phase first");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("KEYHUB_") || k.startsWith("MP_")
                || k.startsWith("SMALLRYE_"));
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_MANAGEMENT_PORT", Integer.toString(managementPort));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", "postgresql://127.0.0.1:" + catalog.port() + "/keyhub");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "postgres");
        env.put("KEYHUB_ISSUER", ISSUER);
        env.put("KEYHUB_JWKS_URL", KEYS.resolve("publicKey.pem").toAbsolutePath().toString());
        env.putAll(extraEnv);
        long t0 = System.nanoTime();
        process = builder.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("KeyHub exited with " + process.exitValue() + "; see " + log);
            }
            if (call("GET", "/q/health/ready", null, null).status() == 200) {
                return Duration.ofNanos(System.nanoTime() - t0);
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("KeyHub not ready within 180 s; see " + log);
    }

    /** A tenant created through the child's admin API: its id, slug and database; its owner is {@code owner-<slug>}. */
    public record Tenant(String id, String slug, String databaseName) {

        /** A token of the tenant's owner. */
        public String owner() {
            return token("owner-" + slug, Map.of());
        }
    }

    /** Creates a tenant named {@code <prefix>-<6 hex>} as a platform admin; fails unless the answer is 201. */
    public Tenant createTenant(String prefix) {
        String admin = token(prefix + "-admin", Map.of(), "platform-admin");
        String slug = prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        Answer created = call("POST", "/admin/tenants", admin, """
                {"slug":"%s","name":"%s","type":"team","owner":{"subject":"owner-%s","email":"o@example.com","name":"O"}}"""
                .formatted(slug, prefix, slug));
        if (created.status() != 201) {
            throw new AssertionError("could not create a tenant: " + created.status() + " " + created.body());
        }
        io.vertx.core.json.JsonObject body = new io.vertx.core.json.JsonObject(created.body());
        return new Tenant(body.getString("id"), slug, body.getString("databaseName"));
    }

    /** Prints the last 60 lines of a child's log, for a test that failed to show what the application said. */
    public static void printTail(Path log) throws java.io.IOException {
        System.err.println("---- last lines of " + log + " ----");
        java.util.List<String> lines = java.nio.file.Files.readAllLines(log, java.nio.charset.StandardCharsets.UTF_8);
        lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.err::println);
    }

    /** SIGKILL: no shutdown hook, no graceful close of anything. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }

    /** Where the child listens, for load generators: {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    /**
     * Calls the application; paths under {@code /q/} (health, metrics, the OpenAPI document) go to its management
     * interface, where the prod profile serves them.
     */
    public Answer call(String method, String path, String token, String json) {
        return send(method, path, token, json, Duration.ofSeconds(30)).join();
    }

    /** Calls the public port whatever the path, as a client outside the cluster would. */
    public Answer callPublic(String method, String path) {
        return send(URI.create("http://127.0.0.1:" + port + path), method, null, null, Duration.ofSeconds(30)).join();
    }

    /**
     * Sends a request without holding a thread; a transport failure (connection refused or reset, timeout)
     * is an answer with status -1.
     */
    public CompletableFuture<Answer> send(String method, String path, String token, String json, Duration timeout) {
        int target = path.startsWith("/q/") ? managementPort : port;
        return send(URI.create("http://127.0.0.1:" + target + path), method, token, json, timeout);
    }

    private CompletableFuture<Answer> send(URI uri, String method, String token, String json, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        long t0 = System.nanoTime();
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Answer(r.statusCode(), r.body(), System.nanoTime() - t0,
                        r.headers().firstValue("Retry-After").orElse(null), r.headers().firstValue("Content-Type").orElse("")))
                .exceptionally(e -> new Answer(-1, e.toString(), System.nanoTime() - t0, null, ""));
    }

    /** A token the child accepts: signed with the test key pair, valid for two hours. */
    public static String token(String subject, Map<String, Object> claims, String... roles) {
        var builder = Jwt.issuer(ISSUER).subject(subject).claim("realm_access", Map.of("roles", List.of(roles)))
                .expiresIn(7200);
        claims.forEach(builder::claim);
        return builder.sign(Keys.PRIVATE);
    }

    private static final class Keys {
        static final PrivateKey PRIVATE = load();

        private static PrivateKey load() {
            try {
                String base64 = Files.readString(KEYS.resolve("privateKey.pem")).replaceAll("-----[A-Z ]+-----", "")
                        .replaceAll("\\s", "");
                return KeyFactory.getInstance("RSA")
                        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            } catch (Exception e) {
                throw new IllegalStateException("cannot read the test private key", e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
