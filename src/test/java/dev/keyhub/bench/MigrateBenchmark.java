package dev.keyhub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

/**
 * Not part of the test suite (run by {@code bench/migrate}): a one-changeset release rolled out to N
 * tenants by a migration job, against the same SQL applied to N copies of the template by a loop of 4
 * parallel {@code psql} workers, in the same run on the same server; then a job with nothing to apply.
 */
@QuarkusTest
@TestProfile(MigrateBenchmark.BenchRelease.class)
class MigrateBenchmark {

    static final int COUNT = Integer.getInteger("bench.count", 500);
    static final int WORKERS = 4;

    public static class BenchRelease implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.schema.changelog", "db/tenant-bench/changelog.xml",
                    "keyhub.schema.template-version", "1.1.0",
                    "keyhub.migrations.workers", Integer.toString(WORKERS),
                    "keyhub.migrations.poll", "50ms");
        }
    }

    @TestHTTPResource("/")
    URI base;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final String admin = Tokens.platformAdmin();

    @Test
    void jobAgainstParallelPsqlLoop() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < COUNT; i++) {
            String slug = Tenants.uniqueSlug("mb");
            ids.add(json.readTree(send("POST", "admin/tenants", Tenants.body(slug, "o-" + slug), 201)).get("id").asText());
        }
        List<String> copies = new ArrayList<>();
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            for (int i = 0; i < COUNT; i++) {
                String db = "bench_psql_" + i;
                st.execute("DROP DATABASE IF EXISTS " + db);
                st.execute("CREATE DATABASE " + db + " TEMPLATE keyhub_template");
                copies.add(db);
            }
        }

        // Making 2 x N databases writes gigabytes of WAL; both timed parts start after a checkpoint, so that
        // neither pays for flushing what the setup wrote.
        checkpoint();
        long t0 = System.nanoTime();
        String job = json.readTree(send("POST", "admin/migrations", Map.of("target", "9.9.0", "concurrency", WORKERS,
                "tenants", Map.of("ids", ids)), 202)).get("id").asText();
        String state = await(job);
        double jobSeconds = (System.nanoTime() - t0) / 1e9;
        List<List<Object>> phases = Catalog.query("keyhub", """
                SELECT phase, extract(epoch FROM max(finished_at) - min(started_at))::float8 FROM migration_tasks
                WHERE job_id = ?::uuid GROUP BY phase ORDER BY phase DESC""", job);

        checkpoint();
        double psqlSeconds = psqlLoop(copies);

        long t1 = System.nanoTime();
        String noop = json.readTree(send("POST", "admin/migrations", Map.of("target", "9.9.0"), 202)).get("id").asText();
        String noopState = await(noop);
        double noopSeconds = (System.nanoTime() - t1) / 1e9;

        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            for (String db : copies) {
                st.execute("DROP DATABASE " + db);
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "== bench/migrate: %d tenants, one changeset, %d workers, one server ==%n", COUNT, WORKERS);
        System.out.printf(Locale.ROOT, "migration job (dry run + template + apply):  %7.2f s  (%s)%n", jobSeconds, state);
        for (List<Object> phase : phases) {
            System.out.printf(Locale.ROOT, "    of which the %-7s phase (first task to last):   %7.2f s%n", phase.get(0), phase.get(1));
        }
        System.out.printf(Locale.ROOT, "parallel psql loop (%d workers, same SQL):    %7.2f s%n", WORKERS, psqlSeconds);
        System.out.printf(Locale.ROOT, "ratio job/psql: %.2fx (target <= 1.00x)%n", jobSeconds / psqlSeconds);
        System.out.printf(Locale.ROOT, "no-op job across all %d tenants: %.2f s (%s) (target < 5 s)%n", COUNT, noopSeconds, noopState);
        System.out.println();
    }

    private static void checkpoint() throws Exception {
        try (Connection c = Catalog.connect("postgres"); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    private double psqlLoop(List<String> databases) throws Exception {
        var config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        String hostPort = url.replaceFirst("jdbc:postgresql://([^/]+)/.*", "$1");
        String host = hostPort.split(":")[0];
        String port = hostPort.split(":")[1];
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
        long t0 = System.nanoTime();
        List<Future<Integer>> runs = new ArrayList<>();
        for (String db : databases) {
            runs.add(pool.submit(() -> {
                ProcessBuilder pb = new ProcessBuilder("psql", "-h", host, "-p", port, "-U", "postgres", "-d", db,
                        "-v", "ON_ERROR_STOP=1", "-q", "-c", "ALTER TABLE users ADD COLUMN bench_note text");
                pb.environment().put("PGPASSWORD", "postgres");
                Process p = pb.redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                return p.waitFor();
            }));
        }
        for (Future<Integer> run : runs) {
            if (run.get(10, TimeUnit.MINUTES) != 0) {
                throw new AssertionError("psql failed");
            }
        }
        pool.shutdown();
        return (System.nanoTime() - t0) / 1e9;
    }

    private String await(String job) throws Exception {
        while (true) {
            String state = json.readTree(send("GET", "admin/migrations/" + job, null, 200)).get("state").asText();
            if (List.of("SUCCEEDED", "FAILED", "HALTED", "CANCELLED").contains(state)) {
                return state;
            }
            Thread.sleep(20);
        }
    }

    private String send(String method, String path, Object body, int expected) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + admin);
        if (body != null) {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new AssertionError(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }
}
