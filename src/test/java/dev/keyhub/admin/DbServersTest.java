package dev.keyhub.admin;

import java.sql.DriverManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.SecondPostgres;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/** Tenants spread over two real PostgreSQL servers. The last test takes the second server out again. */
@QuarkusTest
@TestProfile(DbServersTest.TwoServers.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DbServersTest {

    public static class TwoServers implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SecondPostgres.class));
        }
    }

    static final List<String> ON_SECOND = new java.util.ArrayList<>();

    private static int port() {
        return Integer.getInteger(SecondPostgres.PORT);
    }

    private static Map<String, Object> server(String id, int port, String credentials) {
        Map<String, Object> body = new HashMap<>();
        body.put("id", id);
        body.put("host", "127.0.0.1");
        body.put("port", port);
        body.put("region", "eu-west");
        body.put("capacity", 100);
        body.put("credentialsRef", credentials);
        return body;
    }

    private static boolean existsOnSecond(String database) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/postgres", "postgres", "postgres");
                var ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            return ps.executeQuery().next();
        }
    }

    @Test
    @Order(1)
    void aServerIsRegisteredWithItsTemplateAndNoCredentialsShown() {
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(server("second", port(), "nope"))
                .post("/admin/db-servers").then().statusCode(400).body("code", equalTo("unknown_credentials"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(server("second", port(), "tenants-eu-1"))
                .post("/admin/db-servers").then().statusCode(400).body("code", equalTo("validation_failed"))
                .body("errors[0].field", containsString("credentialsRef"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(server("broken", 1, "second"))
                .post("/admin/db-servers").then().statusCode(503).body("code", equalTo("server_unreachable"));
        Map<String, Object> withBudget = server("second", port(), "second");
        withBudget.put("connectionBudget", 0);
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(withBudget)
                .post("/admin/db-servers").then().statusCode(400).body("code", equalTo("validation_failed"))
                .body("errors[0].field", containsString("connectionBudget"));
        withBudget.put("connectionBudget", 7);
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(withBudget)
                .post("/admin/db-servers").then().statusCode(201).body("id", equalTo("second"))
                .body("connectionBudget.effective", equalTo(7)).body("connectionBudget.serverBudget", equalTo(7))
                .body("region", equalTo("eu-west")).body("templateVersion", equalTo("1.1.0"))
                .body(not(containsString("password")));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(server("second", port(), "second"))
                .post("/admin/db-servers").then().statusCode(409);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then().statusCode(200)
                .body("id", hasItem("second")).body("id", not(hasItem("broken")));
        given().auth().oauth2(Tokens.user("x")).get("/admin/db-servers").then().statusCode(403);
    }

    @Test
    @Order(2)
    void eachServersBudgetIsDerivedFromTheServersOwnSettings() throws Exception {
        var servers = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then().statusCode(200)
                .extract().jsonPath();
        // The catalog's server: its max_connections as PostgreSQL reports it, less the reserved connections, the
        // catalog's pools (reactive 16 + JDBC 4), the admin pool (2) and the migration workers (4).
        int[] catalogSettings = settings(Catalog.server().port());
        Map<String, Object> catalogBudget = servers.getMap("find { it.id == 'default' }.connectionBudget");
        assertEquals(catalogSettings[0], catalogBudget.get("maxConnections"));
        assertEquals(catalogSettings[1], catalogBudget.get("superuserReservedConnections"));
        assertEquals(20, catalogBudget.get("catalogPools"));
        int derived = catalogSettings[0] - catalogSettings[1] - catalogSettings[2] - 20 - 2 - 4;
        assertEquals(derived, catalogBudget.get("derived"));
        assertEquals(derived, catalogBudget.get("effective"), "no budget set: the derived one is in force");
        // The second server holds no catalog: nothing is taken off for it, but its own budget (7) is in force.
        int[] secondSettings = settings(port());
        Map<String, Object> second = servers.getMap("find { it.id == 'second' }.connectionBudget");
        assertEquals(secondSettings[0], second.get("maxConnections"));
        assertEquals(0, second.get("catalogPools"));
        assertEquals(secondSettings[0] - secondSettings[1] - secondSettings[2] - 2 - 4, second.get("derived"));
        assertEquals(7, second.get("effective"));
        Tenants.Created t = Tenants.create("budget");
        given().auth().oauth2(Tokens.user(t.ownerSubject())).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("keyhub_tenant_connections_budget{server=\"default\"} " + derived + ".0"),
                "the budget is a gauge tagged by server");
        assertTrue(metrics.contains("keyhub_db_server_max_connections{server=\"default\"} " + catalogSettings[0] + ".0"),
                "so is the server's max_connections");
    }

    /** max_connections, superuser_reserved_connections and reserved_connections of a server, read over JDBC. */
    private static int[] settings(int port) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "postgres");
                var rs = c.createStatement().executeQuery("SELECT current_setting('max_connections')::int, "
                        + "current_setting('superuser_reserved_connections')::int, "
                        + "coalesce(current_setting('reserved_connections', true), '0')::int")) {
            rs.next();
            return new int[] { rs.getInt(1), rs.getInt(2), rs.getInt(3) };
        }
    }

    @Test
    @Order(3)
    void tenantsArePlacedByRegionAndCapacityAndServedFromTheirServer() throws Exception {
        Map<String, Object> body = new HashMap<>(Tenants.body(Tenants.uniqueSlug("eu"), "eu-owner"));
        body.put("region", "eu-west");
        var response = Tenants.post(body);
        response.then().statusCode(201).body("server", equalTo("second"));
        String id = response.path("id");
        String slug = response.path("slug");
        String database = response.path("databaseName");
        ON_SECOND.add(id);
        assertTrue(existsOnSecond(database));
        assertFalse(Catalog.databaseExists(database), "not on the catalog's server");
        given().auth().oauth2(Tokens.user("eu-owner")).get("/api/tenants/" + slug + "/me").then().statusCode(200)
                .body("role", equalTo("admin"));
        given().auth().oauth2(Tokens.user("eu-owner")).contentType(ContentType.JSON)
                .body(Map.of("role", "member", "maxUses", 1)).post("/api/tenants/" + slug + "/join-codes")
                .then().statusCode(201);

        // The region is full: the next eu-west tenant goes to the least loaded server with room.
        Catalog.execute("keyhub", "UPDATE db_servers SET capacity = 1 WHERE id = 'second'");
        Map<String, Object> full = new HashMap<>(Tenants.body(Tenants.uniqueSlug("eu"), "eu-owner-2"));
        full.put("region", "eu-west");
        Tenants.post(full).then().statusCode(201).body("server", equalTo("default"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then().statusCode(200)
                .body("tenants.find { it.slug == '" + slug + "' }.reachable", equalTo(true));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + id + "/stats").then().statusCode(200)
                .body("members", equalTo(1));
    }

    /** The owner of a database on the second server, null when it has none there. */
    private static String ownerOnSecond(String database) throws Exception {
        try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port() + "/postgres", "postgres", "postgres");
                var ps = c.prepareStatement("SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            var rs = ps.executeQuery();
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    @Order(4)
    void aTenantMovesToAnotherServerWithItsData() throws Exception {
        Map<String, Object> body = new HashMap<>(Tenants.body(Tenants.uniqueSlug("mover"), "mover-owner"));
        body.put("region", "default");
        var created = Tenants.post(body);
        created.then().statusCode(201).body("server", equalTo("default"));
        var t = new Tenants.Created(created.path("id"), created.path("slug"), "mover-owner", created.path("databaseName"));
        var member = Members.add(t, "member");
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("value", "kept"))
                .put("/api/tenants/" + t.slug() + "/settings/motto").then().statusCode(200);

        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("server", "nowhere"))
                .post("/admin/tenants/" + t.id() + "/move").then().statusCode(400).body("code", equalTo("unknown_server"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("server", "default"))
                .post("/admin/tenants/" + t.id() + "/move").then().statusCode(409).body("code", equalTo("same_server"));

        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("server", "second"))
                .post("/admin/tenants/" + t.id() + "/move").then().statusCode(200).body("server", equalTo("second"));
        ON_SECOND.add(t.id());
        assertTrue(existsOnSecond(t.databaseName()));
        assertFalse(Catalog.databaseExists(t.databaseName()), "the old copy is removed after the switch");
        // The tenant's role went with it: it owns the new copy, and is gone from the old server with the old copy.
        assertEquals(t.databaseName(), ownerOnSecond(t.databaseName()));
        assertTrue(Catalog.query("postgres", "SELECT 1 FROM pg_roles WHERE rolname = ?", t.databaseName()).isEmpty());
        // Data intact, requests routed to the new server, writes work again.
        given().auth().oauth2(member.token()).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200)
                .body("role", equalTo("member"));
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/settings/motto").then()
                .statusCode(200).body("value", equalTo("kept"));
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/audit-log").then()
                .body("items.action", hasItem("member.joined"));
        given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "Moved"))
                .patch("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
    }

    @Test
    @Order(5)
    void theSecondServerIsTakenOutAgain() throws Exception {
        for (String id : ON_SECOND) {
            given().auth().oauth2(Tokens.platformAdmin()).queryParam("purge", true).delete("/admin/tenants/" + id)
                    .then().statusCode(204);
        }
        Catalog.execute("keyhub", "UPDATE db_servers SET status = 'disabled' WHERE id = 'second'");
        assertEquals(0L, Catalog.query("keyhub", "SELECT count(*) FROM tenants WHERE db_server_id = 'second' "
                + "AND status NOT IN ('DELETED', 'FAILED')").get(0).get(0));
    }
}
