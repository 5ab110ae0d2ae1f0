package dev.keyhub.servers;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.pools.TenantPools;
import dev.keyhub.provisioning.ProvisioningRecovery;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/**
 * Each tenant database is owned by a role of its own, which opens that database and no other on the server, and
 * which KeyHub's tenant pools log in as. The role follows the tenant through suspension, deletion, purge and
 * clone, and the recovery sweep leaves no orphan role behind.
 */
@QuarkusTest
class TenantRolesTest {

    @Inject
    TenantPools pools;

    @Inject
    ProvisioningRecovery recovery;

    private static ServerAddress server() {
        var config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        var hostPort = url.replaceFirst("^jdbc:postgresql://", "").replaceFirst("/.*$", "").split(":");
        return new ServerAddress(hostPort[0], Integer.parseInt(hostPort[1]),
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class), "postgres", null);
    }

    /** Logs in as a tenant database's role, with the password KeyHub derives for it, to {@code database}. */
    private static Connection loginAs(String role, String database) throws SQLException {
        ServerAddress s = server();
        return DriverManager.getConnection(s.jdbcUrl(database), role, TenantRoles.password(s, role));
    }

    private static boolean opens(String role, String database) {
        try (Connection c = loginAs(role, database)) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static Object one(String database, String sql, Object... args) {
        List<List<Object>> rows = Catalog.query(database, sql, args);
        return rows.isEmpty() ? null : rows.get(0).get(0);
    }

    private static boolean roleExists(String role) {
        return one("postgres", "SELECT 1 FROM pg_roles WHERE rolname = ?", role) != null;
    }

    private static boolean canLogin(String role) {
        return (Boolean) one("postgres", "SELECT rolcanlogin FROM pg_roles WHERE rolname = ?", role);
    }

    private static String admin(Tenants.Created t) {
        return "/admin/tenants/" + t.id();
    }

    @Test
    void aTenantRoleOwnsItsDatabaseAndOpensNoOther() {
        Tenants.Created a = Tenants.create("roles-a");
        Tenants.Created b = Tenants.create("roles-b");
        String role = a.databaseName();

        assertEquals(role, one("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = ?", role));
        assertFalse((Boolean) one("postgres", "SELECT has_database_privilege('public', ?, 'CONNECT')", role),
                "PUBLIC may not connect to a tenant database");
        assertTrue(opens(role, role), "the role opens its own database");

        // Every other database on the server refuses it: the catalog, the template, the maintenance databases,
        // spares, and every other tenant's.
        List<String> others = Catalog.query("postgres", "SELECT datname FROM pg_database WHERE datallowconn AND datname <> ?",
                role).stream().map(r -> (String) r.get(0)).toList();
        assertTrue(others.containsAll(List.of("keyhub", "keyhub_template", "postgres", "template1", b.databaseName())),
                others.toString());
        List<String> opened = new ArrayList<>();
        for (String database : others) {
            if (opens(role, database)) {
                opened.add(database);
            }
        }
        assertEquals(List.of(), opened, "databases a tenant role could open besides its own");
    }

    @Test
    void tenantPoolsWorkAsTheTenantsRole() throws SQLException {
        Tenants.Created t = Tenants.create("roles-pool");
        String token = Members.ownerToken(t);
        given().auth().oauth2(token).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);

        // The request's connection is still open in its lane: it is logged in as the tenant's role.
        assertEquals(List.of(List.of(t.databaseName())), Catalog.query("postgres",
                "SELECT DISTINCT usename::text FROM pg_stat_activity WHERE datname = ? AND backend_type = 'client backend'",
                t.databaseName()));
        // The role reads and writes the tenant's tables, but not KeyHub's migration history.
        try (Connection c = loginAs(t.databaseName(), t.databaseName()); var st = c.createStatement()) {
            var rs = st.executeQuery("SELECT count(*) FROM memberships");
            assertTrue(rs.next());
            assertThrowsState("42501", () -> st.executeQuery("SELECT count(*) FROM databasechangelog"));
        }
    }

    @Test
    void suspensionAndDeletionRefuseTheRolesLoginsAndPurgeDropsIt() {
        Tenants.Created t = Tenants.create("roles-life");
        String role = t.databaseName();
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200);
        assertFalse(canLogin(role));
        assertFalse(opens(role, role), "a suspended tenant's role cannot log in");

        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/resume").then().statusCode(200);
        assertTrue(opens(role, role));
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);

        given().auth().oauth2(Tokens.platformAdmin()).delete(admin(t)).then().statusCode(204);
        assertTrue(Catalog.databaseExists(role), "kept for the grace period");
        assertFalse(opens(role, role), "a deleted tenant's role cannot log in");

        given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete(admin(t)).then().statusCode(204);
        assertFalse(Catalog.databaseExists(role));
        assertFalse(roleExists(role), "purge drops the role with the database");
    }

    @Test
    void aCloneGetsARoleOfItsOwn() {
        Tenants.Created source = Tenants.create("roles-src");
        String slug = Tenants.uniqueSlug("roles-clone");
        String cloneDb = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Clone")).post(admin(source) + "/clone")
                .then().statusCode(201).extract().path("databaseName");
        assertNotEquals(source.databaseName(), cloneDb);
        assertEquals(cloneDb, one("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = ?", cloneDb));
        assertTrue(opens(cloneDb, cloneDb));
        assertFalse(opens(cloneDb, source.databaseName()), "the clone's role cannot open its source");
        assertFalse(opens(source.databaseName(), cloneDb), "nor the source's role the clone");
        given().auth().oauth2(Members.ownerToken(source)).get("/api/tenants/" + slug + "/me").then().statusCode(200);
    }

    @Test
    void theSweepDropsOrphanRolesAndRefusesLoginsTheCatalogForbids() {
        // A crash between dropping a database and its role leaves the role.
        String orphan = "kh_t_" + UUID.randomUUID().toString().replace("-", "");
        Catalog.execute("postgres", "CREATE ROLE " + orphan + " LOGIN");
        // A crash between suspending a tenant in the catalog and refusing its role's logins.
        Tenants.Created t = Tenants.create("roles-sweep");
        given().auth().oauth2(Tokens.platformAdmin()).post(admin(t) + "/suspend").then().statusCode(200);
        Catalog.execute("postgres", "ALTER ROLE " + t.databaseName() + " LOGIN");

        recovery.sweep();

        assertFalse(roleExists(orphan), "an orphan role is dropped");
        assertFalse(canLogin(t.databaseName()), "a suspended tenant's role refuses logins again");
        assertTrue(roleExists(t.databaseName()), "a live tenant's role stays");
    }

    @Test
    void aMissingRoleOrAChangedPasswordIsRepairedOnTheNextLogin() {
        Tenants.Created t = Tenants.create("roles-repair");
        String db = t.databaseName();
        String me = "/api/tenants/" + t.slug() + "/me";
        String token = Members.ownerToken(t);
        given().auth().oauth2(token).get(me).then().statusCode(200);

        // A database from before tenant roles: owned by the admin, open to PUBLIC, no role of its own.
        pools.evict(UUID.fromString(t.id())).await().indefinitely();
        Catalog.execute("postgres", "ALTER DATABASE " + db + " OWNER TO postgres", "GRANT CONNECT ON DATABASE " + db + " TO PUBLIC",
                "DROP ROLE " + db);
        given().auth().oauth2(token).get(me).then().statusCode(200);
        assertEquals(db, one("postgres", "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = ?", db));
        assertFalse((Boolean) one("postgres", "SELECT has_database_privilege('public', ?, 'CONNECT')", db));

        // A password that no longer matches (the admin password changed since).
        pools.evict(UUID.fromString(t.id())).await().indefinitely();
        Catalog.execute("postgres", "ALTER ROLE " + db + " PASSWORD 'something-else'");
        given().auth().oauth2(token).get(me).then().statusCode(200);
        assertTrue(opens(db, db));
    }

    private interface SqlAction {
        void run() throws SQLException;
    }

    private static void assertThrowsState(String state, SqlAction action) {
        try {
            action.run();
        } catch (SQLException e) {
            assertEquals(state, e.getSQLState(), e.getMessage());
            return;
        }
        throw new AssertionError("expected SQLSTATE " + state);
    }
}
