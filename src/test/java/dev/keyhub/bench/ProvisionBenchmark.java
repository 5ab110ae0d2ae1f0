package dev.keyhub.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static io.restassured.RestAssured.given;

/**
 * Not part of the test suite (run by {@code bench/provision}): provisions N tenants through the API and, in
 * the same run on the same server, times N raw {@code CREATE DATABASE … TEMPLATE} statements, interleaved,
 * and prints p50/p95 of both and their ratio.
 */
@QuarkusTest
class ProvisionBenchmark {

    static final int COUNT = Integer.getInteger("bench.count", 200);
    static final int WARMUP = Integer.getInteger("bench.warmup", 10);

    @TestHTTPResource("/admin/tenants")
    URI endpoint;

    @Test
    void provisionThroughApiVersusRawCreateDatabase() throws Exception {
        List<Long> api = new ArrayList<>();
        List<Long> raw = new ArrayList<>();
        List<String> created = new ArrayList<>();
        List<String> rawDatabases = new ArrayList<>();
        String admin = Tokens.platformAdmin(); // a client reuses its token
        // A plain HTTP client, as a caller would use: the figures are the service's, not a test library's.
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        int spareReady = 0;
        try (Connection maintenance = Catalog.connect("postgres"); Statement st = maintenance.createStatement();
                Connection catalog = Catalog.catalog(); Statement cs = catalog.createStatement()) {
            for (int i = 0; i < WARMUP + COUNT; i++) {
                String slug = Tenants.uniqueSlug("bench");
                HttpRequest request = HttpRequest.newBuilder(endpoint)
                        .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(Tenants.body(slug, "owner-" + slug))))
                        .build();
                boolean spare = ready(cs);
                long t0 = System.nanoTime();
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                long t1 = System.nanoTime();
                if (response.statusCode() != 201) {
                    throw new AssertionError("provisioning failed: " + response.body());
                }
                created.add(json.readTree(response.body()).get("id").asText());
                String db = "bench_raw_" + System.nanoTime();
                st.execute("CREATE DATABASE " + db + " TEMPLATE keyhub_template");
                long t2 = System.nanoTime();
                rawDatabases.add(db);
                if (i >= WARMUP) {
                    spareReady += spare ? 1 : 0;
                    api.add(t1 - t0);
                    raw.add(t2 - t1);
                }
            }
            for (String db : rawDatabases) {
                st.execute("DROP DATABASE " + db);
            }
        }
        for (String id : created) {
            given().auth().oauth2(admin)
                    .delete("/admin/tenants/" + id);
        }
        double apiP50 = percentile(api, 50);
        double rawP50 = percentile(raw, 50);
        System.out.println();
        int spares = ConfigProvider.getConfig().getValue("keyhub.provisioning.spares-per-server", Integer.class);
        System.out.println("== bench/provision: " + COUNT + " tenants (after " + WARMUP + " warm-up), one server, "
                + "spares-per-server=" + spares + " ==");
        System.out.println("API calls that found a spare database ready: " + spareReady + "/" + COUNT);
        System.out.println(line("API POST /admin/tenants", api));
        System.out.println(line("raw CREATE DATABASE ... TEMPLATE", raw));
        System.out.printf(Locale.ROOT, "ratio API/raw p50: %.2fx (target <= 1.50x)%n", apiP50 / rawP50);
        System.out.println();
    }

    private static boolean ready(Statement catalog) throws java.sql.SQLException {
        try (var rs = catalog.executeQuery("SELECT count(*) FROM spare_databases WHERE state = 'ready'")) {
            return rs.next() && rs.getLong(1) > 0;
        }
    }

    private static String line(String name, List<Long> nanos) {
        return String.format(Locale.ROOT, "%-34s p50 %7.1f ms   p95 %7.1f ms   mean %7.1f ms", name,
                percentile(nanos, 50), percentile(nanos, 95),
                nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6);
    }

    private static double percentile(List<Long> nanos, int p) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }
}
