package dev.keyhub.common;

import java.io.IOException;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An HTTP/1.1 request without a Host header (which HTTP/1.1 requires) gets a 400 problem document and leaves no
 * ERROR in the log: a client sending such requests in a loop must not be able to fill the disk with them.
 */
@QuarkusTest
class HostlessRequestTest {

    @TestHTTPResource("/")
    URL root;

    /** Collects what is logged at ERROR (SEVERE) or above while it is installed. */
    private static final class Errors extends Handler {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
                seen.add(record.getLoggerName() + ": " + record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private String[] send(String request) throws IOException {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int end = raw.indexOf("\r\n\r\n");
            return new String[] { raw.substring(0, end), raw.substring(end + 4) };
        }
    }

    @Test
    void aRequestWithoutHostIsA400ProblemAndLogsNoError() throws Exception {
        Errors errors = new Errors();
        Logger rootLogger = Logger.getLogger("");
        rootLogger.addHandler(errors);
        try {
            for (String path : List.of("/api/tenants/acme/me", "/admin/tenants", "/q/health", "/nowhere")) {
                String[] response = send("GET " + path + " HTTP/1.1\r\nConnection: close\r\n\r\n");
                String head = response[0];
                assertEquals("400", head.substring(9, 12), path + ": " + head);
                assertTrue(head.toLowerCase().contains("content-type: application/problem+json"), path + ": " + head);
                assertTrue(response[1].contains("\"code\":\"missing_host\""), path + ": " + response[1]);
            }
            // HTTP/1.0 has no Host requirement: such a request is served as before.
            String[] old = send("GET /q/health HTTP/1.0\r\n\r\n");
            assertEquals("200", old[0].substring(9, 12), old[0]);
        } finally {
            rootLogger.removeHandler(errors);
        }
        assertEquals(List.of(), errors.seen);
    }

    /** A chunked body: read up to the limit and served, refused with a 413 problem beyond it, with no ERROR logged. */
    @Test
    void aChunkedBodyIsServedUnderTheLimitAndAProblemOverIt() throws Exception {
        var tenant = dev.keyhub.support.Tenants.create("chunked");
        String token = dev.keyhub.support.Members.ownerToken(tenant);
        Errors errors = new Errors();
        Logger rootLogger = Logger.getLogger("");
        rootLogger.addHandler(errors);
        try {
            String[] created = send(chunkedPost(tenant.slug(), token, "{\"name\":\"sent in chunks\"}", 4));
            assertEquals("201", created[0].substring(9, 12), created[0] + created[1]);
            assertTrue(created[1].contains("sent in chunks"), created[1]);
            String[] refused = send(chunkedPost(tenant.slug(), token,
                    "{\"name\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}", 64 * 1024));
            assertEquals("413", refused[0].substring(9, 12), refused[0]);
            assertTrue(refused[0].toLowerCase().contains("content-type: application/problem+json"), refused[0]);
            assertTrue(refused[1].contains("\"code\":\"request_too_large\""), refused[1]);
        } finally {
            rootLogger.removeHandler(errors);
        }
        assertEquals(List.of(), errors.seen);
    }

    private static String chunkedPost(String slug, String token, String body, int chunkSize) {
        StringBuilder request = new StringBuilder("POST /api/tenants/" + slug + "/groups HTTP/1.1\r\nHost: localhost\r\n"
                + "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                + "Connection: close\r\n\r\n");
        for (int at = 0; at < body.length(); at += chunkSize) {
            String chunk = body.substring(at, Math.min(body.length(), at + chunkSize));
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        return request.append("0\r\n\r\n").toString();
    }
}
