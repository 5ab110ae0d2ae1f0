package dev.keyhub.servers;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnection;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.SecondPostgres;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.TlsCatalog;
import dev.keyhub.support.Tokens;

/**
 * TLS to PostgreSQL, against a real server started with {@code ssl=on} that takes TLS connections only, with a CA
 * made for the run. The catalog itself is on it with {@code verify-full}, so that KeyHub starting at all, and a
 * tenant served from the catalog's server, show that both the JDBC and the reactive side verify it; registered
 * servers then try each {@code sslmode}, with the right CA, another CA, another host name, and against a server
 * without TLS (the second server).
 */
@QuarkusTest
@TestProfile(TlsTest.CatalogOverTls.class)
class TlsTest {

    public static class CatalogOverTls implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TlsCatalog.class), new TestResourceEntry(SecondPostgres.class));
        }
    }

    private static int tlsPort() {
        return Integer.getInteger(TlsCatalog.PORT);
    }

    private static Map<String, Object> server(String id, String host, int port, String credentials, String sslmode,
            String rootCert) {
        Map<String, Object> body = new HashMap<>();
        body.put("id", id);
        body.put("host", host);
        body.put("port", port);
        body.put("region", id);
        body.put("credentialsRef", credentials);
        if (sslmode != null) {
            body.put("sslmode", sslmode);
        }
        if (rootCert != null) {
            body.put("sslRootCert", rootCert);
        }
        return body;
    }

    private static io.restassured.response.ValidatableResponse register(Map<String, Object> body) {
        return given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body)
                .post("/admin/db-servers").then();
    }

    private static List<String> registered() {
        return given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then().statusCode(200)
                .extract().path("id");
    }

    @Test
    void theCatalogAndItsServerAreReachedOverVerifiedTls() {
        // Both catalog clients were given the two settings: JDBC in its URL, the reactive pool as Quarkus keys.
        var config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
        assertTrue(config.getValue("quarkus.datasource.jdbc.url", String.class)
                .endsWith("?sslmode=verify-full&sslrootcert=" + System.getProperty(TlsCatalog.CA)));
        assertEquals("verify-full", config.getValue("quarkus.datasource.reactive.postgresql.ssl-mode", String.class));
        assertEquals("HTTPS", config.getValue("quarkus.datasource.reactive.hostname-verification-algorithm", String.class));
        assertEquals(System.getProperty(TlsCatalog.CA),
                config.getValue("quarkus.datasource.reactive.trust-certificate-pem.certs", String.class));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then().statusCode(200)
                .body("find { it.id == 'default' }.sslmode", equalTo("verify-full"))
                .body("find { it.id == 'default' }.sslRootCert", equalTo(System.getProperty(TlsCatalog.CA)))
                .body(not(containsString("postgres\"")));
        Tenants.Created tenant = Tenants.create("tls-default");
        given().auth().oauth2(Members.ownerToken(tenant)).get("/api/tenants/" + tenant.slug() + "/me").then().statusCode(200);
        // The server refuses any TCP connection without TLS, so every one of these is over TLS; pg_stat_ssl says so.
        List<List<Object>> backends = Catalog.query("keyhub", """
                SELECT a.usename, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
                WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()""");
        assertTrue(backends.stream().anyMatch(row -> row.get(0).equals(tenant.databaseName())),
                "the tenant's pool is connected: " + backends);
        assertTrue(backends.stream().allMatch(row -> Boolean.TRUE.equals(row.get(1))), "all over TLS: " + backends);
    }

    @Test
    void verifyFullWithTheRightCaServesTenants() {
        String ca = System.getProperty(TlsCatalog.CA);
        register(server("tls-full", "localhost", tlsPort(), "tls", "verify-full", ca)).statusCode(201)
                .body("sslmode", equalTo("verify-full")).body("sslRootCert", equalTo(ca))
                .body(not(containsString("password")));
        Map<String, Object> body = new HashMap<>(Tenants.body(Tenants.uniqueSlug("tls-full"), "owner-tls-full"));
        body.put("region", "tls-full");
        var created = Tenants.post(body).then().statusCode(201).extract();
        String slug = created.path("slug");
        assertEquals("tls-full", given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + created.path("id"))
                .then().statusCode(200).extract().path("server"));
        given().auth().oauth2(Tokens.user("owner-tls-full")).get("/api/tenants/" + slug + "/me").then().statusCode(200);
    }

    @Test
    void verifyCaChecksTheSignatureButNotTheHostName() {
        register(server("tls-ca", "127.0.0.1", tlsPort(), "tls", "verify-ca", System.getProperty(TlsCatalog.CA)))
                .statusCode(201).body("sslmode", equalTo("verify-ca"));
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedAndNothingIsRegistered() {
        register(server("tls-wrong-ca", "localhost", tlsPort(), "tls", "verify-full", System.getProperty(TlsCatalog.OTHER_CA)))
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("tls_untrusted_certificate"))
                .body("detail", containsString("not signed by the configured CA"));
        assertTrue(!registered().contains("tls-wrong-ca"));
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnderVerifyFull() {
        register(server("tls-wrong-host", "127.0.0.1", tlsPort(), "tls", "verify-full", System.getProperty(TlsCatalog.CA)))
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("tls_host_mismatch"));
        assertTrue(!registered().contains("tls-wrong-host"));
    }

    @Test
    void requireRefusesAServerWithoutTls() {
        int plain = Integer.getInteger(SecondPostgres.PORT);
        register(server("plain-require", "127.0.0.1", plain, "second", "require", null))
                .statusCode(400).contentType("application/problem+json").body("code", equalTo("tls_not_offered"));
        assertTrue(!registered().contains("plain-require"));
        // require on the TLS server: encrypted, certificate not checked.
        register(server("tls-require", "127.0.0.1", tlsPort(), "tls", "require", null)).statusCode(201)
                .body("sslmode", equalTo("require"));
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeAnyConnection() throws Exception {
        Path notACertificate = Files.writeString(Files.createTempFile("not-a-cert", ".pem"), "hello");
        for (Map<String, Object> body : List.of(
                server("bad-1", "localhost", tlsPort(), "tls", "verify-full", null),
                server("bad-2", "localhost", tlsPort(), "tls", "verify-ca", "/nonexistent/ca.crt"),
                server("bad-3", "localhost", tlsPort(), "tls", "verify-full", notACertificate.toString()))) {
            register(body).statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_tls"));
        }
        register(server("bad-4", "localhost", tlsPort(), "tls", "prefer", null)).statusCode(400)
                .body("code", equalTo("validation_failed")).body("errors[0].field", containsString("sslmode"));
        assertTrue(registered().stream().noneMatch(id -> id.startsWith("bad-")));
    }

    @Test
    void theReactiveClientVerifiesTheSameWay() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Tls right = Tls.of("verify-full", System.getProperty(TlsCatalog.CA));
            Tls wrongCa = Tls.of("verify-full", System.getProperty(TlsCatalog.OTHER_CA));
            assertEquals(true, connects(vertx, new ServerAddress("localhost", tlsPort(), "postgres", "postgres", "postgres", right)));
            // The reactive client reports a failed handshake without saying which check failed.
            assertEquals("tls_failed",
                    connects(vertx, new ServerAddress("localhost", tlsPort(), "postgres", "postgres", "postgres", wrongCa)));
            assertEquals("tls_failed",
                    connects(vertx, new ServerAddress("127.0.0.1", tlsPort(), "postgres", "postgres", "postgres", right)));
            assertEquals(true, connects(vertx, new ServerAddress("127.0.0.1", tlsPort(), "postgres", "postgres", "postgres",
                    Tls.of("verify-ca", System.getProperty(TlsCatalog.CA)))));
            assertEquals("tls_not_offered", connects(vertx, new ServerAddress("127.0.0.1", Integer.getInteger(SecondPostgres.PORT),
                    "postgres", "postgres", "postgres", Tls.of("require", null))));
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().join();
        }
    }

    /** True when a reactive connection opens; otherwise the TLS failure's code, or the error. */
    private static Object connects(Vertx vertx, ServerAddress address) {
        try {
            PgConnection.connect(vertx, address.connectOptions("postgres")).toCompletionStage().toCompletableFuture()
                    .join().close();
            return true;
        } catch (Exception e) {
            return Tls.failureOf(e).map(Tls.Failure::code).orElse(String.valueOf(e));
        }
    }
}
