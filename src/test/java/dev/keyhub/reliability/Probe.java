package dev.keyhub.reliability;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Sends raw HTTP requests (the path and query exactly as given, no client-side encoding or normalisation) and
 * checks every response the same way: no 5xx, {@code application/problem+json} on every error, and nothing
 * of the implementation in the body. Counts what it sent and what came back.
 */
final class Probe {

    /** Text that must never reach a client: stack frames, class and package names, SQL and PostgreSQL errors. */
    static final List<String> FORBIDDEN = List.of("java.", "javax.", "jakarta.", "io.vertx", "io.netty", "io.quarkus",
            "io.smallrye", "org.hibernate", "org.jboss", "com.fasterxml", "Exception", "\tat ", "SELECT ", "INSERT ",
            "UPDATE ", "DELETE FROM", "ERROR:", "SQLSTATE", "syntax error");
    /**
     * Statuses the Vert.x HTTP codec sends itself, before any application code runs, for a request line or headers
     * over the configured limits: the body is empty, so there is nothing to render as a problem and nothing to leak.
     * The same holds for a target that is not a valid URI (Quarkus answers 400 before routing): see {@link Sent#bare()}.
     * A chunked body that grows past the body limit is a 413 problem like any other (EdgeProblems reads it).
     */
    static final List<Integer> CODEC_STATUSES = List.of(414, 431);
    private static final Pattern PROBLEM = Pattern.compile("application/problem\\+json.*");

    record Sent(String label, String method, String target, int status, String contentType, String body, boolean bare) {

        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final Map<Integer, Integer> statuses = new TreeMap<>();
    private final List<String> failures = new ArrayList<>();
    private int sent;

    Probe(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** Sends one request; {@code body} null sends none, {@code chunked} sends it without a length. */
    Sent send(String label, String method, String target, String token, Map<String, String> headers, byte[] body,
            String contentType, boolean chunked) {
        HttpRequest.BodyPublisher publisher;
        if (body == null) {
            publisher = HttpRequest.BodyPublishers.noBody();
        } else if (chunked) {
            publisher = HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body));
        } else {
            publisher = HttpRequest.BodyPublishers.ofByteArray(body);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + target)).timeout(Duration.ofSeconds(30))
                .method(method, publisher);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        sent++;
        Sent result;
        try {
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException stale) {
                // A pooled connection the server had just closed (after a refused oversized request, say) fails
                // before the request reaches it; a second attempt on a new connection tells that from a real drop.
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            }
            result = new Sent(label, method, target, response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    new String(response.body(), StandardCharsets.UTF_8), false);
        } catch (IOException e) {
            // No answer at all (reset or closed connection): recorded as status 0 and reported below.
            result = new Sent(label, method, target, 0, "", "", false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        statuses.merge(result.status(), 1, Integer::sum);
        check(result);
        return result;
    }

    /**
     * Writes a request byte for byte on a socket, for what an HTTP client refuses to send: invalid percent
     * escapes in the target, raw non-ASCII bytes in a header. {@code headerLines} are complete lines without CRLF.
     * An answer with {@code bareStatus} is expected to be bare (refused before any application code).
     */
    Sent sendRaw(String label, String method, String target, String token, List<String> headerLines, String json,
            int bareStatus) {
        URI uri = URI.create(base);
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + "\r\n"
                + "Connection: close\r\n");
        if (token != null) {
            head.append("Authorization: Bearer ").append(token).append("\r\n");
        }
        headerLines.forEach(h -> head.append(h).append("\r\n"));
        byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
        if (json != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        sent++;
        Sent result;
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(body);
            socket.getOutputStream().flush();
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            String headers = end < 0 ? raw : raw.substring(0, end);
            String text = end < 0 ? "" : raw.substring(end + 4);
            int status = Integer.parseInt(headers.substring(9, 12));
            String contentType = headers.lines().filter(l -> l.regionMatches(true, 0, "Content-Type:", 0, 13))
                    .map(l -> l.substring(13).trim()).findFirst().orElse("");
            if (headers.toLowerCase().contains("transfer-encoding: chunked")) {
                text = unchunk(text);
            }
            result = new Sent(label, method, target, status, contentType, text, status == bareStatus);
        } catch (IOException | RuntimeException e) {
            result = new Sent(label, method, target, 0, "", "", false);
        }
        statuses.merge(result.status(), 1, Integer::sum);
        check(result);
        return result;
    }

    private static String unchunk(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int eol = body.indexOf("\r\n", at);
            if (eol < 0) {
                break;
            }
            int size = Integer.parseInt(body.substring(at, eol).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(body, eol + 2, Math.min(body.length(), eol + 2 + size));
            at = eol + 2 + size + 2;
        }
        return out.toString();
    }

    Sent send(String label, String method, String target, String token) {
        return send(label, method, target, token, Map.of(), null, null, false);
    }

    Sent sendJson(String label, String method, String target, String token, String json) {
        return send(label, method, target, token, Map.of(), json.getBytes(StandardCharsets.UTF_8), "application/json",
                false);
    }

    private void check(Sent r) {
        String what = r.label() + " → " + r.status();
        if (r.status() == 0) {
            failures.add(what + ": connection closed without an answer");
            return;
        }
        if (r.status() >= 500) {
            failures.add(what + ": server error " + abbreviate(r.body()));
        }
        boolean bare = r.bare() || CODEC_STATUSES.contains(r.status());
        if (r.status() >= 400 && !bare && !PROBLEM.matcher(r.contentType()).matches()) {
            failures.add(what + ": Content-Type '" + r.contentType() + "' is not application/problem+json");
        }
        if (bare && !r.body().isEmpty()) {
            failures.add(what + ": a bare refusal with a body " + abbreviate(r.body()));
        }
        for (String s : FORBIDDEN) {
            if (r.body().contains(s)) {
                failures.add(what + ": body contains '" + s + "': " + abbreviate(r.body()));
                break;
            }
        }
    }

    void fail(String message) {
        failures.add(message);
    }

    int sent() {
        return sent;
    }

    List<String> failures() {
        return failures;
    }

    Map<Integer, Integer> statuses() {
        return statuses;
    }

    /** "2xx=…, 4xx=…" and the exact statuses. */
    String summary() {
        Map<String, Integer> classes = new TreeMap<>();
        statuses.forEach((s, n) -> classes.merge(s == 0 ? "none" : (s / 100) + "xx", n, Integer::sum));
        return classes + " " + statuses;
    }

    static String abbreviate(String s) {
        String flat = s.replaceAll("\\s+", " ");
        return flat.length() > 300 ? flat.substring(0, 300) + "…" : flat;
    }
}
