package dev.keyhub.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;

import dev.keyhub.provisioning.ProvisioningRecovery;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * A trusted service outside KeyHub gets a short-lived credential for one tenant's database. It opens that
 * database and fails on every other database of the server, including the catalog and the template; it is
 * revoked at once when the tenant is suspended or deleted, and when rotated.
 */
@QuarkusTest
class DatabaseCredentialsTest {

    @Inject
    ProvisioningRecovery recovery;

    private static String service() {
        return Tokens.claims("service-account-reports", "tenant-database-client").claim("azp", "reports").sign();
    }

    private static String path(Tenants.Created t) {
        return "/service/tenants/" + t.id() + "/database-credentials";
    }

    private static Response issue(Tenants.Created t, Map<String, Object> body) {
        return given().auth().oauth2(service()).contentType(ContentType.JSON).body(body).post(path(t));
    }

    private record Login(String host, int port, String database, String user, String password) {
        static Login of(Response r) {
            return new Login(r.path("host"), r.path("port"), r.path("database"), r.path("user"), r.path("password"));
        }

        Connection open(String db) throws SQLException {
            return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + db, user, password);
        }

        boolean opens(String db) {
            try (Connection c = open(db)) {
                return c.isValid(2);
            } catch (SQLException e) {
                return false;
            }
        }
    }

    @Test
    void onlyAServiceWithTheRoleGetsACredential() {
        Tenants.Created t = Tenants.create("creds-auth");
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of()).post(path(t))
                .then().statusCode(403).contentType("application/problem+json");
        given().auth().oauth2(Tokens.user(t.ownerSubject())).contentType(ContentType.JSON).body(Map.of()).post(path(t))
                .then().statusCode(403);
        given().contentType(ContentType.JSON).body(Map.of()).post(path(t)).then().statusCode(401);
        // Bad input changes nothing.
        issue(t, Map.of("ttlSeconds", 10)).then().statusCode(400).contentType("application/problem+json")
                .body("code", equalTo("invalid_ttl"));
        issue(t, Map.of("ttlSeconds", 7200)).then().statusCode(400).body("code", equalTo("invalid_ttl"));
        given().auth().oauth2(service()).contentType(ContentType.JSON).body(Map.of())
                .post("/service/tenants/00000000-0000-0000-0000-000000000000/database-credentials")
                .then().statusCode(404).contentType("application/problem+json");
        assertEquals(0L, credentialRoles(t), "nothing was issued");
    }

    @Test
    void aCredentialOpensItsTenantsDatabaseAndNoOther() throws SQLException {
        Tenants.Created a = Tenants.create("creds-a");
        Tenants.Created b = Tenants.create("creds-b");
        Response r = issue(a, Map.of("ttlSeconds", 600));
        r.then().statusCode(201).header("Cache-Control", "no-store").body("database", equalTo(a.databaseName()));
        Login login = Login.of(r);
        OffsetDateTime expires = OffsetDateTime.parse(r.path("expiresAt"));
        assertTrue(expires.isAfter(OffsetDateTime.now().plusSeconds(500)) && expires.isBefore(OffsetDateTime.now().plusSeconds(700)));
        assertEquals(expires.toInstant(), ((java.sql.Timestamp) Catalog.query("postgres",
                "SELECT rolvaliduntil FROM pg_roles WHERE rolname = ?", login.user()).get(0).get(0)).toInstant(),
                "PostgreSQL itself ends the credential");

        try (Connection c = login.open(a.databaseName()); var st = c.createStatement()) {
            var rs = st.executeQuery("SELECT count(*) FROM memberships");
            rs.next();
            assertEquals(1, rs.getInt(1), "the tenant's owner");
        }
        List<String> others = Catalog.query("postgres", "SELECT datname FROM pg_database WHERE datallowconn AND datname <> ?",
                a.databaseName()).stream().map(row -> (String) row.get(0)).toList();
        assertTrue(others.containsAll(List.of("keyhub", "keyhub_template", "postgres", "template1", b.databaseName())));
        List<String> opened = new ArrayList<>();
        for (String db : others) {
            if (login.opens(db)) {
                opened.add(db);
            }
        }
        assertEquals(List.of(), opened, "databases the credential could open besides its tenant's");

        // The grant is in the platform audit log, with the service that asked and the login it got.
        List<List<Object>> audit = Catalog.query("keyhub", "SELECT actor, outcome, details->>'user', details->>'client' "
                + "FROM platform_audit_log WHERE tenant_id = ?::uuid AND action = 'tenant.database_credentials_issued'", a.id());
        assertEquals(List.of(List.of("service-account-reports", "success", login.user(), "reports")), audit);
    }

    @Test
    void rotationRevokesTheEarlierCredentialsAndEndsTheirSessions() throws SQLException {
        Tenants.Created t = Tenants.create("creds-rotate");
        Login first = Login.of(issue(t, Map.of()).then().statusCode(201).extract().response());
        try (Connection open = first.open(t.databaseName())) {
            Login second = Login.of(issue(t, Map.of("rotate", true)).then().statusCode(201).extract().response());
            assertNotEquals(first.user(), second.user());
            assertFalse(first.opens(t.databaseName()), "the rotated credential no longer logs in");
            assertFalse(open.isValid(2), "and its open session was ended");
            assertTrue(second.opens(t.databaseName()));
        }
        given().auth().oauth2(service()).delete(path(t)).then().statusCode(204);
        assertEquals(0L, credentialRoles(t), "revoking drops every credential of the tenant");
    }

    @Test
    void suspensionAndDeletionRevokeCredentialsAtOnce() throws SQLException {
        Tenants.Created t = Tenants.create("creds-life");
        Login login = Login.of(issue(t, Map.of()).then().statusCode(201).extract().response());
        try (Connection open = login.open(t.databaseName())) {
            given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + t.id() + "/suspend").then().statusCode(200);
            assertFalse(open.isValid(2), "suspension ends the credential's session");
        }
        assertFalse(login.opens(t.databaseName()));
        issue(t, Map.of()).then().statusCode(409).body("code", equalTo("invalid_state"));

        given().auth().oauth2(Tokens.platformAdmin()).post("/admin/tenants/" + t.id() + "/resume").then().statusCode(200);
        Login again = Login.of(issue(t, Map.of()).then().statusCode(201).extract().response());
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + t.id()).then().statusCode(204);
        assertFalse(again.opens(t.databaseName()), "deletion revokes it too");
        assertEquals(0L, credentialRoles(t));
    }

    @Test
    void theSweepDropsExpiredCredentialsAndThoseOfSuspendedTenants() {
        Tenants.Created t = Tenants.create("creds-sweep");
        String expired = Login.of(issue(t, Map.of()).then().statusCode(201).extract().response()).user();
        Catalog.execute("postgres", "ALTER ROLE " + expired + " VALID UNTIL '2000-01-01'");
        recovery.sweep();
        assertEquals(0L, credentialRoles(t), "an expired credential is dropped");

        // Issued while the tenant was being suspended: the sweep revokes it.
        String late = Login.of(issue(t, Map.of()).then().statusCode(201).extract().response()).user();
        Catalog.execute("keyhub", "UPDATE tenants SET status = 'SUSPENDED' WHERE id = '" + t.id() + "'");
        Catalog.execute("postgres", "ALTER ROLE " + t.databaseName() + " NOLOGIN");
        recovery.sweep();
        assertTrue(Catalog.query("postgres", "SELECT 1 FROM pg_roles WHERE rolname = ?", late).isEmpty());
        Catalog.execute("keyhub", "UPDATE tenants SET status = 'ACTIVE' WHERE id = '" + t.id() + "'");
        recovery.sweep();
    }

    /** The credential roles of the tenant's database that exist now. */
    private static long credentialRoles(Tenants.Created t) {
        return ((Number) Catalog.query("postgres", "SELECT count(*) FROM pg_roles WHERE rolname LIKE ?",
                "kh\\_c\\_" + t.databaseName().substring(5) + "\\_%").get(0).get(0)).longValue();
    }
}
