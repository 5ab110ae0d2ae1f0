package dev.keyhub.servers;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.provisioning.ProvisioningRecovery;
import dev.keyhub.schema.Templates;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;
import dev.keyhub.tenancy.TenantDirectory;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import static io.restassured.RestAssured.given;

/**
 * A registered server whose credentials are not (or no longer) configured: KeyHub starts anyway, its tenants
 * answer 503 while every other tenant is served, and no new tenant is placed on it.
 */
@QuarkusTest
class UnconfiguredServerTest {

    @Inject
    Templates templates;

    @Inject
    TenantDirectory directory;

    @Inject
    ProvisioningRecovery recovery;

    @Test
    void aServerWithoutCredentialsStopsOnlyItsOwnTenants() {
        var healthy = Tenants.create("healthy");
        var stranded = Tenants.create("stranded");
        Catalog.execute("keyhub", "INSERT INTO db_servers (id, host, port, region, capacity, credentials_ref) "
                + "VALUES ('ghost', '127.0.0.1', 5432, 'far', 1000, 'ghost')");
        try {
            Catalog.execute("keyhub", "UPDATE tenants SET db_server_id = 'ghost' WHERE id = '" + stranded.id() + "'");
            directory.forget(stranded.slug(), UUID.fromString(stranded.id())).await().indefinitely();

            // What start-up does: the other servers get their templates, the ghost is reported and skipped.
            templates.onStart(null);
            assertNull(Catalog.query("keyhub", "SELECT template_version FROM db_servers WHERE id = 'ghost'").get(0).get(0));
            recovery.sweep();

            given().auth().oauth2(Members.ownerToken(stranded)).get("/api/tenants/" + stranded.slug() + "/me").then()
                    .statusCode(503).contentType("application/problem+json")
                    .body("code", equalTo("tenant_database_unavailable")).header("Retry-After", notNullValue());
            given().auth().oauth2(Members.ownerToken(healthy)).get("/api/tenants/" + healthy.slug() + "/me").then()
                    .statusCode(200);
            given().auth().oauth2(Tokens.platformAdmin()).get("/admin/health/tenants").then().statusCode(200)
                    .body("tenants.find { it.slug == '" + stranded.slug() + "' }.reachable", equalTo(false))
                    .body("tenants.find { it.slug == '" + stranded.slug() + "' }.error", equalTo("server_unconfigured"))
                    .body("tenants.find { it.slug == '" + healthy.slug() + "' }.reachable", equalTo(true));

            // Even asked for its region, a new tenant goes where it can be reached.
            Map<String, Object> body = new java.util.HashMap<>(Tenants.body(Tenants.uniqueSlug("placed"), "owner-placed"));
            body.put("region", "far");
            String id = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body)
                    .post("/admin/tenants").then().statusCode(201).extract().path("id");
            assertEquals(DbServer.CATALOG_SERVER, Catalog.query("keyhub", "SELECT db_server_id FROM tenants WHERE id = ?::uuid",
                    id).get(0).get(0));
        } finally {
            Catalog.execute("keyhub", "UPDATE tenants SET db_server_id = '" + DbServer.CATALOG_SERVER + "' WHERE id = '"
                    + stranded.id() + "'", "DELETE FROM db_servers WHERE id = 'ghost'");
            directory.forget(stranded.slug(), UUID.fromString(stranded.id())).await().indefinitely();
        }
        given().auth().oauth2(Members.ownerToken(stranded)).get("/api/tenants/" + stranded.slug() + "/me").then()
                .statusCode(200);
    }
}
