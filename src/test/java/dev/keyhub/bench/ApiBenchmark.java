package dev.keyhub.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;

/**
 * Not part of the test suite (run by {@code bench/api}, under failsafe after the jar is packaged): the packaged
 * KeyHub in the prod profile with its default settings, driven by {@code wrk} with tokens of real members,
 * against {@code pgbench} on the same PostgreSQL server in the same run. See docs/BENCHMARKS.md.
 */
class ApiBenchmark {

    static final Path TARGET = Path.of("target");
    static final int PROVISIONED = Integer.getInteger("bench.tenants", 1000);
    static final int SECONDS = Integer.getInteger("bench.seconds", 15);
    static final int WARMUP = Integer.getInteger("bench.warmup", 10);
    static final int JIT_WARMUP = Integer.getInteger("bench.jit-warmup", 30);
    static final int THREADS = 2;
    static final boolean PROFILE = Boolean.parseBoolean(System.getProperty("bench.jfr", "true"));
    static final String HEAP = "-Xmx512m";

    private final ObjectMapper json = new ObjectMapper();
    private final List<Row> results = new ArrayList<>();

    record Tenant(String slug, String token, String code) {
    }

    /** One wrk run as its summary line gives it. */
    record Wrk(long requests, double seconds, double p50ms, double p99ms, long errors, Map<Integer, Long> statuses) {

        double perSecond() {
            return requests / seconds;
        }

        Map<Integer, Long> non2xx() {
            Map<Integer, Long> out = new TreeMap<>();
            statuses.forEach((s, n) -> {
                if (s < 200 || s >= 300) {
                    out.put(s, n);
                }
            });
            if (errors > 0) {
                out.put(-1, errors);
            }
            return out;
        }
    }

    record Row(String server, String scenario, int clients, Wrk wrk, int maxConnections, int maxTenantConnections,
            double budget, double evictionsPerSecond, double cpuMsPerRequest, double pgbenchS, double pgbenchC) {
    }

    /** What one server's run measured: the pgbench baselines by client count. */
    static final class Baselines {
        final Map<Integer, Double> selectPrepared = new TreeMap<>();
        final Map<Integer, Double> connectEach = new TreeMap<>();
    }

    @Test
    void apiAgainstPgbench() throws Exception {
        System.out.println();
        System.out.printf(Locale.ROOT, "== bench/api: up to %d tenants provisioned per server, %d s per scenario after %d s "
                + "warm-up (and %d s of reads once per JVM), wrk -t%d, %d cores ==%n", PROVISIONED, SECONDS, WARMUP,
                JIT_WARMUP, THREADS, Runtime.getRuntime().availableProcessors());
        String only = System.getProperty("bench.servers", "stock,large");
        if (only.contains("stock")) {
            server("stock", 100, new int[] { 1, 50, PROVISIONED }, true);
        }
        if (only.contains("large")) {
            server("large", 300, new int[] { 1, Math.min(200, PROVISIONED) }, false);
        }
        summary();
    }

    private void server(String name, int maxConnections, int[] busyCounts, boolean withMixedAndProfile) throws Exception {
        EmbeddedPostgres pg = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "bench-api-" + name, true,
                maxConnections);
        pg.createDatabase("keyhub");
        pg.createDatabase("pgbench");
        PackagedKeyHub app = new PackagedKeyHub(TARGET.resolve("bench-api-" + name + ".log"), pg, Map.of(), List.of(HEAP));
        try {
            app.start();
            System.out.printf(Locale.ROOT, "%n-- server '%s': PostgreSQL max_connections=%d; KeyHub %s, default settings "
                    + "(the derived connection budget is in the table) --%n", name, maxConnections, HEAP);
            long t0 = System.nanoTime();
            List<Tenant> tenants = provision(app, Arrays.stream(busyCounts).max().orElse(1));
            System.out.printf(Locale.ROOT, "provisioned %d tenants in %.1f s%n", tenants.size(), (System.nanoTime() - t0) / 1e9);

            Baselines base = pgbench(pg, withMixedAndProfile ? new int[] { 8, 32 } : new int[] { 8 });
            // A fresh JVM compiles the request path while it serves: give it that time before anything is measured.
            Path warm = TARGET.resolve("bench-api-requests.tsv");
            Files.write(warm, reads(tenants.subList(0, Math.min(50, tenants.size()))));
            wrk(app, warm, 8, JIT_WARMUP);
            run(name, "one tenant", app, pg, reads(tenants.subList(0, 1)), 8, base, false);
            if (withMixedAndProfile) {
                run(name, "one tenant", app, pg, reads(tenants.subList(0, 1)), 32, base, false);
            }
            for (int busy : busyCounts) {
                if (busy > 1) {
                    run(name, busy + " tenants", app, pg, reads(tenants.subList(0, busy)), 8, base, false);
                }
            }
            if (withMixedAndProfile) {
                run(name, "mixed, 50 tenants", app, pg, mixed(tenants.subList(0, 50)), 8, base, false);
                run(name, "my tenants, 20 each", app, pg, myTenants(app, tenants), 8, base, false);
                if (PROFILE) {
                    run(name, "one tenant, JFR on", app, pg, reads(tenants.subList(0, 1)), 8, base, true);
                }
            }
            System.out.printf(Locale.ROOT, "%s: %d tenants provisioned, %d busy last: heap after a full GC %.0f MiB, "
                    + "RSS %d MiB%n", name, tenants.size(), busyCounts[busyCounts.length - 1], heapAfterGc(app), rssMiB(app));
        } finally {
            app.stop();
            // A thousand tenant databases take gigabytes: nothing is kept once the figures are printed.
            pg.discard();
        }
    }

    // --- Setup -------------------------------------------------------------------------------------------

    private List<Tenant> provision(PackagedKeyHub app, int count) throws Exception {
        String admin = PackagedKeyHub.token("bench-admin", Map.of(), "platform-admin");
        List<CompletableFuture<Tenant>> pending = new ArrayList<>();
        Semaphore inFlight = new Semaphore(4);
        ExecutorService executor = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < count; i++) {
                String slug = "bench-" + i + "-" + UUID.randomUUID().toString().substring(0, 6);
                inFlight.acquire();
                pending.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return create(app, admin, slug);
                    } finally {
                        inFlight.release();
                    }
                }, executor));
            }
            List<Tenant> out = new ArrayList<>();
            for (CompletableFuture<Tenant> f : pending) {
                out.add(f.join());
            }
            return out;
        } finally {
            executor.shutdown();
        }
    }

    private Tenant create(PackagedKeyHub app, String admin, String slug) {
        String owner = "owner-" + slug;
        PackagedKeyHub.Answer created = app.call("POST", "/admin/tenants", admin, """
                {"slug":"%s","name":"Bench","type":"team","owner":{"subject":"%s","email":"%s@example.com","name":"Owner"}}"""
                .formatted(slug, owner, owner));
        if (created.status() != 201) {
            throw new IllegalStateException("could not create a tenant: " + created.status() + " " + created.body());
        }
        return new Tenant(slug, PackagedKeyHub.token(owner, Map.of()), null);
    }

    /** A join code per tenant, made when the mixed scenario first needs it. */
    private Tenant withCode(PackagedKeyHub app, Tenant t) {
        try {
            String code = json.readTree(app.call("POST", "/api/tenants/" + t.slug() + "/join-codes", t.token(),
                    "{\"role\":\"member\",\"maxUses\":1000000}").body()).path("code").asText();
            return new Tenant(t.slug(), t.token(), code);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // --- Request files -----------------------------------------------------------------------------------

    private static List<String> reads(List<Tenant> tenants) {
        return tenants.stream().map(t -> line("GET", "/api/tenants/" + t.slug() + "/me", t.token(), "")).toList();
    }

    /**
     * 60% {@code GET /me}, 20% {@code PATCH /me}, 10% join-code redemptions (each by a new identity, so each
     * creates a user and a membership) and 10% session creations, spread over the tenants.
     */
    private List<String> mixed(List<Tenant> plain) {
        PackagedKeyHub app = current;
        List<Tenant> tenants = plain.stream().map(t -> withCode(app, t)).toList();
        int lines = 20 * 2_000;
        List<String> out = new ArrayList<>(lines);
        for (int i = 0; i < lines; i++) {
            Tenant t = tenants.get(i % tenants.size());
            int dice = (i * 7919) % 100;
            String base = "/api/tenants/" + t.slug();
            if (dice < 60) {
                out.add(line("GET", base + "/me", t.token(), ""));
            } else if (dice < 80) {
                out.add(line("PATCH", base + "/me", t.token(), "{\"name\":\"Owner " + i + "\"}"));
            } else if (dice < 90) {
                String subject = "joiner-" + UUID.randomUUID();
                out.add(line("POST", "/api/join", PackagedKeyHub.token(subject, Map.of("email", subject + "@example.com")),
                        "{\"code\":\"" + t.code() + "\"}"));
            } else {
                out.add(line("POST", base + "/sessions", t.token(), ""));
            }
        }
        return out;
    }

    /**
     * {@code GET /api/me/tenants} by 50 people, each a member of 20 of the provisioned tenants (joined with join
     * codes, as people join): the tenant picker's question, answered from the catalog with every tenant there.
     */
    private List<String> myTenants(PackagedKeyHub app, List<Tenant> provisioned) {
        int spread = Math.min(200, provisioned.size());
        List<Tenant> tenants = provisioned.subList(0, spread).stream().map(t -> withCode(app, t)).toList();
        List<String> out = new ArrayList<>();
        for (int u = 0; u < 50; u++) {
            String subject = "picker-" + u + "-" + UUID.randomUUID().toString().substring(0, 6);
            String token = PackagedKeyHub.token(subject, Map.of("email", subject + "@example.com"));
            for (int k = 0; k < 20; k++) {
                Tenant t = tenants.get((u * 7 + k * (spread / 20)) % spread);
                PackagedKeyHub.Answer joined = app.call("POST", "/api/join", token, "{\"code\":\"" + t.code() + "\"}");
                if (joined.status() != 200) {
                    throw new IllegalStateException("could not join: " + joined.status() + " " + joined.body());
                }
            }
            out.add(line("GET", "/api/me/tenants", token, ""));
        }
        String listed = app.call("GET", "/api/me/tenants", out.get(0).split("\t")[2], null).body();
        if (listed.split("\"slug\"", -1).length - 1 != 20) {
            throw new IllegalStateException("a picker should see 20 tenants: " + listed);
        }
        return out;
    }

    private static String line(String method, String path, String token, String body) {
        return method + "\t" + path + "\t" + token + "\t" + body;
    }

    // --- One scenario ------------------------------------------------------------------------------------

    private PackagedKeyHub current;

    private void run(String server, String scenario, PackagedKeyHub app, EmbeddedPostgres pg, List<String> requests,
            int clients, Baselines base, boolean profile) throws Exception {
        current = app;
        Path file = TARGET.resolve("bench-api-requests.tsv");
        // Warm up with reads of the same tenants: the mixed scenario's lines are used once each.
        List<String> warm = requests.stream().filter(l -> l.startsWith("GET\t")).distinct().toList();
        Files.write(file, warm.isEmpty() ? requests : warm);
        wrk(app, file, clients, WARMUP);
        Files.write(file, requests);

        Path jfr = TARGET.resolve("bench-api-get-me.jfr");
        if (profile) {
            jcmd(app, "JFR.start", "name=bench", "settings=profile", "filename=" + jfr.toAbsolutePath());
        }
        String before = metrics(app);
        long cpuBefore = cpuTicks(app);
        AtomicBoolean sampling = new AtomicBoolean(true);
        int[] maxSeen = new int[2];
        Thread sampler = new Thread(() -> sample(pg, sampling, maxSeen));
        sampler.start();
        Wrk result = wrk(app, file, clients, SECONDS);
        sampling.set(false);
        sampler.join();
        long cpuAfter = cpuTicks(app);
        String after = metrics(app);
        if (profile) {
            jcmd(app, "JFR.stop", "name=bench");
            Profile.print(jfr);
        }
        double evictions = metric(after, "keyhub_tenant_pool_evictions_total") - metric(before, "keyhub_tenant_pool_evictions_total");
        double cpuMs = (cpuAfter - cpuBefore) * 10.0 / Math.max(1, result.requests());
        Row row = new Row(server, scenario, clients, result, maxSeen[0], maxSeen[1], metric(after, "keyhub_tenant_connections_budget"),
                evictions / result.seconds(), cpuMs, base.selectPrepared.getOrDefault(clients, Double.NaN),
                base.connectEach.getOrDefault(clients, Double.NaN));
        results.add(row);
        print(row);
    }

    private static void print(Row r) {
        System.out.printf(Locale.ROOT, "%-6s %-18s c=%-3d %8.0f req/s  p50 %6.1f ms  p99 %7.1f ms  non-2xx %-14s "
                + "PG conns max %3d (tenant dbs %3d, budget %.0f)  evictions %6.1f/s  CPU %.3f ms/req  "
                + "×pgbench-S %.3f  ×pgbench-C %.2f%n", r.server(), r.scenario(), r.clients(), r.wrk().perSecond(),
                r.wrk().p50ms(), r.wrk().p99ms(), r.wrk().non2xx(), r.maxConnections(), r.maxTenantConnections(), r.budget(),
                r.evictionsPerSecond(), r.cpuMsPerRequest(), r.wrk().perSecond() / r.pgbenchS(),
                r.wrk().perSecond() / r.pgbenchC());
    }

    private void summary() {
        System.out.println();
        System.out.println("== bench/api summary ==");
        System.out.println("| server | scenario | clients | req/s | p50 ms | p99 ms | non-2xx | PG conns max (tenant) | budget "
                + "| evictions/s | JVM CPU ms/req | × pgbench -S | × pgbench -C |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (Row r : results) {
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.1f | %.1f | %s | %d (%d) | %.0f | %.1f | %.3f | %.3f | %.2f |%n",
                    r.server(), r.scenario(), r.clients(), r.wrk().perSecond(), r.wrk().p50ms(), r.wrk().p99ms(),
                    r.wrk().non2xx().isEmpty() ? "0" : r.wrk().non2xx().toString(), r.maxConnections(),
                    r.maxTenantConnections(), r.budget(), r.evictionsPerSecond(), r.cpuMsPerRequest(),
                    r.wrk().perSecond() / r.pgbenchS(), r.wrk().perSecond() / r.pgbenchC());
        }
        System.out.println();
    }

    // --- Tools -------------------------------------------------------------------------------------------

    private static final Pattern WRK_LINE = Pattern.compile(
            "WRK requests=(\\d+) duration_us=(\\d+) p50_us=(\\d+) p99_us=(\\d+) errors=(\\d+) statuses=(.*)");

    private Wrk wrk(PackagedKeyHub app, Path file, int clients, int seconds) throws Exception {
        Path script = Path.of("bench", "api.lua").toAbsolutePath();
        String out = exec(Map.of(), "wrk", "-t" + THREADS, "-c" + clients, "-d" + seconds + "s", "--timeout", "10s",
                "-s", script.toString(), app.baseUrl(), "--", file.toAbsolutePath().toString(), Integer.toString(THREADS));
        Matcher m = WRK_LINE.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("wrk printed no summary: " + out);
        }
        Map<Integer, Long> statuses = new TreeMap<>();
        for (String part : m.group(6).trim().split(",")) {
            if (!part.isBlank()) {
                String[] kv = part.split(":");
                statuses.put(Integer.parseInt(kv[0]), Long.parseLong(kv[1]));
            }
        }
        return new Wrk(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)) / 1e6, Long.parseLong(m.group(3)) / 1e3,
                Long.parseLong(m.group(4)) / 1e3, Long.parseLong(m.group(5)), statuses);
    }

    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\((without initial connection time|including reconnection times)\\)");

    /** {@code pgbench -S -M prepared} and {@code pgbench -C -S} with each client count, on the same server. */
    private Baselines pgbench(EmbeddedPostgres pg, int[] clientCounts) throws Exception {
        Map<String, String> env = Map.of("PGPASSWORD", "postgres");
        List<String> conn = List.of("-h", "127.0.0.1", "-p", Integer.toString(pg.port()), "-U", "postgres");
        List<String> init = new ArrayList<>(List.of("pgbench", "-i", "-q", "-s", "1"));
        init.addAll(conn);
        init.add("pgbench");
        exec(env, init.toArray(String[]::new));
        Baselines base = new Baselines();
        for (int clients : clientCounts) {
            for (boolean connectEach : new boolean[] { false, true }) {
                List<String> cmd = new ArrayList<>(List.of("pgbench", "-S", "-c", Integer.toString(clients), "-j",
                        Integer.toString(THREADS), "-T", Integer.toString(SECONDS), "-n"));
                cmd.addAll(connectEach ? List.of("-C") : List.of("-M", "prepared"));
                cmd.addAll(conn);
                cmd.add("pgbench");
                String out = exec(env, cmd.toArray(String[]::new));
                Matcher m = TPS.matcher(out);
                if (!m.find()) {
                    throw new IllegalStateException("pgbench printed no tps: " + out);
                }
                double tps = Double.parseDouble(m.group(1));
                (connectEach ? base.connectEach : base.selectPrepared).put(clients, tps);
                System.out.printf(Locale.ROOT, "pgbench %s -c %d: %.0f tps%n", connectEach ? "-C -S" : "-S -M prepared",
                        clients, tps);
            }
        }
        return base;
    }

    /** Samples the server's client connections (all, and those to tenant databases) every 250 ms; keeps the maxima. */
    private static void sample(EmbeddedPostgres pg, AtomicBoolean running, int[] max) {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", "postgres");
                Statement st = c.createStatement()) {
            while (running.get()) {
                try (ResultSet rs = st.executeQuery("""
                        SELECT count(*), count(*) FILTER (WHERE datname LIKE 'kh\\_t\\_%')
                        FROM pg_stat_activity WHERE backend_type = 'client backend'""")) {
                    rs.next();
                    // This sampling connection is not counted.
                    max[0] = Math.max(max[0], rs.getInt(1) - 1);
                    max[1] = Math.max(max[1], rs.getInt(2));
                }
                Thread.sleep(250);
            }
        } catch (Exception e) {
            System.out.println("connection sampling stopped: " + e);
        }
    }

    private static long cpuTicks(PackagedKeyHub app) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(app.pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static double heapAfterGc(PackagedKeyHub app) throws Exception {
        jcmd(app, "GC.run");
        return sum(metrics(app), "jvm_memory_used_bytes{area=\"heap\"") / 1048576.0;
    }

    private static long rssMiB(PackagedKeyHub app) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(app.pid()), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024).orElse(-1L);
    }

    private static void jcmd(PackagedKeyHub app, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
        cmd.add(Long.toString(app.pid()));
        cmd.addAll(List.of(args));
        exec(Map.of(), cmd.toArray(String[]::new));
    }

    private static String exec(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    private static String metrics(PackagedKeyHub app) {
        return app.call("GET", "/q/metrics", null, null).body();
    }

    private static double metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{")).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(Double.NaN);
    }

    private static double sum(String metrics, String prefix) {
        return metrics.lines().filter(l -> l.startsWith(prefix))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
