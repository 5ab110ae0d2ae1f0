package dev.keyhub.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.PackagedKeyHub;

/**
 * Not part of the test suite (run by {@code reliability/quiet-logs}, under failsafe after the jar is packaged):
 * hostile traffic against the packaged KeyHub in the prod profile, over raw sockets, so that nothing in between
 * tidies a request up. Requests that are not HTTP, without a Host, with a header or a request line over the limits,
 * with a malformed escape, and clients that go away before, while and after KeyHub answers. Every connection is
 * closed with a reset (linger 0), so that the client side leaves no sockets waiting. Afterwards the log may have
 * grown by less than 1 MB, with no ERROR line and no stack trace, and KeyHub must still serve a tenant.
 */
class QuietLogsDrill {

    static final Path TARGET = Path.of("target");
    static final Path LOG = TARGET.resolve("quiet-logs-app.log");
    static final int REQUESTS = Integer.getInteger("quiet.requests", 100_000);
    static final int CLIENTS = Integer.getInteger("quiet.clients", 8);
    static final long LOG_LIMIT = 1_000_000;

    private final ObjectMapper json = new ObjectMapper();
    private PackagedKeyHub app;
    private int port;
    private String slug;
    private String owner;

    /** One kind of hostile request: what is sent, and whether the client waits for the answer before going away. */
    record Kind(String name, byte[] request, boolean readAnswer) {
    }

    private List<Kind> kinds() {
        String me = "/api/tenants/" + slug + "/me";
        List<Kind> kinds = new ArrayList<>();
        kinds.add(kind("not HTTP (text)", "HELLO THERE\r\n\r\n", true));
        kinds.add(new Kind("not HTTP (TLS handshake)", new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00,
                (byte) 0xa1, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a}, true));
        kinds.add(kind("no Host", "GET " + me + " HTTP/1.1\r\nAuthorization: Bearer " + owner + "\r\n\r\n", true));
        kinds.add(kind("header over 16K", "GET " + me + " HTTP/1.1\r\nHost: k\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n", true));
        kinds.add(kind("request line over 4K", "GET /api/tenants/" + "a".repeat(8_000) + " HTTP/1.1\r\nHost: k\r\n\r\n", true));
        kinds.add(kind("malformed escape", "GET /api/tenants/%zz/me HTTP/1.1\r\nHost: k\r\n\r\n", true));
        kinds.add(kind("malformed escape in query", "GET " + me + "?x=%G1 HTTP/1.1\r\nHost: k\r\nAuthorization: Bearer "
                + owner + "\r\n\r\n", true));
        kinds.add(kind("bad version", "GET " + me + " HTTP/7.1\r\nHost: k\r\n\r\n", true));
        kinds.add(kind("bad header name", "GET " + me + " HTTP/1.1\r\nHost: k\r\nBad Header: x\r\n\r\n", true));
        kinds.add(kind("gone before the body", "POST /api/tenants/" + slug + "/groups HTTP/1.1\r\nHost: k\r\nAuthorization: Bearer "
                + owner + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"name\":", false));
        kinds.add(kind("gone while served", "GET " + me + " HTTP/1.1\r\nHost: k\r\nAuthorization: Bearer " + owner + "\r\n\r\n", false));
        kinds.add(kind("gone mid-header", "GET " + me + " HTTP/1.1\r\nHost: k\r\nAuthoriza", false));
        // A chunked body that outgrows quarkus.http.limits.max-body-size (1 MiB) while it is read.
        StringBuilder chunked = new StringBuilder("POST /api/tenants/" + slug + "/groups HTTP/1.1\r\nHost: k\r\n"
                + "Authorization: Bearer " + owner + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        String start = "{\"name\":\"";
        chunked.append(Integer.toHexString(start.length())).append("\r\n").append(start).append("\r\n");
        String chunk = "x".repeat(64 * 1024);
        for (int i = 0; i < 20; i++) {
            chunked.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        kinds.add(kind("chunked body over 1 MiB", chunked.append("0\r\n\r\n").toString(), true));
        // -Dquiet.kinds=name,name narrows the drill to some kinds, to find which one a log line comes from.
        String only = System.getProperty("quiet.kinds", "");
        return only.isBlank() ? kinds
                : kinds.stream().filter(k -> List.of(only.split(",")).contains(k.name())).toList();
    }

    private static Kind kind(String name, String request, boolean readAnswer) {
        return new Kind(name, request.getBytes(StandardCharsets.ISO_8859_1), readAnswer);
    }

    /** What came back for one kind: status lines and whether the body was a problem document. */
    static final class Tally {
        final LongAdder sent = new LongAdder();
        final Map<String, LongAdder> answers = new ConcurrentHashMap<>();

        void answer(String what) {
            answers.computeIfAbsent(what, k -> new LongAdder()).increment();
        }
    }

    @Test
    void hostileTrafficLeavesTheLogQuietAndKeyHubServing() throws Exception {
        EmbeddedPostgres catalog = EmbeddedPostgres.start(TARGET.resolve("embedded-postgres"), "quiet-catalog", true);
        catalog.createDatabase("keyhub");
        app = new PackagedKeyHub(LOG, catalog, Map.of(), List.of("-Xmx384m"));
        try {
            app.start();
            port = Integer.parseInt(app.baseUrl().replaceFirst(".*:", ""));
            setUp();
            List<Kind> kinds = kinds();
            Map<String, Tally> tallies = new TreeMap<>();
            kinds.forEach(k -> tallies.put(k.name(), new Tally()));
            long before = Files.size(LOG);
            AtomicInteger next = new AtomicInteger();
            LongAdder servedDuring = new LongAdder();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> workers = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                workers.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < REQUESTS) {
                        Kind kind = kinds.get(i % kinds.size());
                        Tally tally = tallies.get(kind.name());
                        tally.sent.increment();
                        tally.answer(send(kind));
                        if (i % 10_000 == 0) {
                            PackagedKeyHub.Answer a = app.call("GET", "/api/tenants/" + slug + "/me", owner, null);
                            if (a.status() == 200) {
                                servedDuring.increment();
                            } else {
                                failures.add("request " + i + ": a tenant request got " + a.status());
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                w.get();
            }
            pool.shutdown();
            double seconds = (System.nanoTime() - t0) / 1e9;
            PackagedKeyHub.Answer after = app.call("GET", "/api/tenants/" + slug + "/me", owner, null);
            PackagedKeyHub.Answer ready = app.call("GET", "/q/health/ready", null, null);
            long grown = Files.size(LOG) - before;
            List<String> lines = newLines(before);
            long errors = lines.stream().filter(l -> "ERROR".equals(field(l, "level"))).count();
            long traces = lines.stream().filter(l -> l.contains("\"exception\"") || l.contains("\tat ")).count();
            long warnings = lines.stream().filter(l -> "WARN".equals(field(l, "level"))).count();

            System.out.println();
            System.out.printf(Locale.ROOT, "== reliability/quiet-logs: %d hostile requests from %d clients in %.1f s (%.0f/s) ==%n",
                    REQUESTS, CLIENTS, seconds, REQUESTS / seconds);
            System.out.printf("%-28s %8s  %s%n", "kind", "sent", "answers (status line; problem = application/problem+json body)");
            for (var e : tallies.entrySet()) {
                System.out.printf("%-28s %8d  %s%n", e.getKey(), e.getValue().sent.sum(), new TreeMap<>(e.getValue().answers)
                        .entrySet().stream().map(a -> a.getKey() + " x" + a.getValue().sum()).toList());
            }
            System.out.printf(Locale.ROOT, "log: grew by %d bytes (%d lines: %d ERROR, %d WARN, %d with a stack trace); limit %d bytes%n",
                    grown, lines.size(), errors, warnings, traces, LOG_LIMIT);
            System.out.printf("serving: %d of %d tenant requests during the drill got 200; after it: %d, readiness %d%n",
                    servedDuring.sum(), servedDuring.sum() + failures.size(), after.status(), ready.status());
            lines.stream().limit(10).forEach(l -> System.out.println("  log: " + (l.length() > 300 ? l.substring(0, 300) + "…" : l)));
            System.out.println();

            assertTrue(failures.isEmpty(), failures.toString());
            assertEquals(200, after.status(), after.body());
            assertEquals(200, ready.status(), ready.body());
            assertEquals(0, errors, "no ERROR line");
            assertEquals(0, traces, "no stack trace");
            assertTrue(grown < LOG_LIMIT, "the log grew by " + grown + " bytes");
        } finally {
            app.stop();
            catalog.stop();
        }
    }

    private void setUp() throws Exception {
        String admin = PackagedKeyHub.token("quiet-admin", Map.of(), "platform-admin");
        slug = "quiet-" + UUID.randomUUID().toString().substring(0, 8);
        String subject = "owner-" + slug;
        PackagedKeyHub.Answer created = app.call("POST", "/admin/tenants", admin, """
                {"slug":"%s","name":"Quiet","type":"team","owner":{"subject":"%s","email":"%s@example.com","name":"Owner"}}"""
                .formatted(slug, subject, subject));
        if (created.status() != 201) {
            throw new IllegalStateException("could not create a tenant: " + created.body());
        }
        owner = PackagedKeyHub.token(subject, Map.of());
        assertEquals(200, app.call("GET", "/api/tenants/" + slug + "/me", owner, null).status());
    }

    /** Sends one request on a new connection; returns what came back (or how it ended), then resets the connection. */
    private String send(Kind kind) {
        try (Socket s = new Socket()) {
            s.setSoLinger(true, 0);
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(kind.request());
                out.flush();
            } catch (IOException e) {
                return "reset while sending";
            }
            if (!kind.readAnswer()) {
                return "client gone";
            }
            return answer(s.getInputStream());
        } catch (SocketTimeoutException e) {
            return "no answer in 5 s";
        } catch (IOException e) {
            return "connection: " + e.getClass().getSimpleName();
        }
    }

    private static String answer(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        int n = 0;
        int r;
        while (n < buffer.length && (r = in.read(buffer, n, buffer.length - n)) > 0) {
            n += r;
            String text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                String head = text.substring(0, end).toLowerCase(Locale.ROOT);
                String status = text.substring(0, text.indexOf("\r\n"));
                status = status.replaceFirst("^HTTP/1\\.[01] ", "");
                return status + (head.contains("content-type: application/problem+json") ? " problem"
                        : head.contains("content-length: 0") || !head.contains("content-type") ? " empty" : " other body");
            }
        }
        return n == 0 ? "closed without an answer" : "partial answer";
    }

    private List<String> newLines(long from) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(LOG.toFile(), "r")) {
            f.seek(from);
            byte[] rest = new byte[(int) (f.length() - from)];
            f.readFully(rest);
            return new String(rest, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
        }
    }

    private String field(String line, String name) {
        try {
            JsonNode node = json.readTree(line);
            return node.path(name).asText();
        } catch (IOException e) {
            return "not JSON";
        }
    }
}
