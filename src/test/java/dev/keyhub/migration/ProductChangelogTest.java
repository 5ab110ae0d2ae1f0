package dev.keyhub.migration;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

import static dev.keyhub.support.Jobs.DONE;
import static dev.keyhub.support.Jobs.await;
import static dev.keyhub.support.Jobs.start;

/**
 * The product's changelog beside KeyHub's (the tests' own, {@code db/product-test}, with the template at product-1.0):
 * its own history table in every tenant database, its release recorded for tenants and templates, rolled out
 * and rolled back by migration jobs that name it, and a release that fails one tenant's dry run changes none.
 * The last test rolls every tenant back to product-1.0, so that other test classes find the schema they expect.
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProductChangelogTest {

    private static Map<String, Object> productJob(String target, List<String> tenantIds) {
        Map<String, Object> body = new HashMap<>();
        body.put("changelog", "product");
        body.put("target", target);
        if (tenantIds != null) {
            body.put("tenants", Map.of("ids", tenantIds));
        }
        return body;
    }

    private static String tag(String database, String history) {
        List<List<Object>> rows = Catalog.query(database,
                "SELECT tag FROM " + history + " WHERE tag IS NOT NULL ORDER BY orderexecuted DESC LIMIT 1");
        return rows.isEmpty() ? null : (String) rows.get(0).get(0);
    }

    private static String productVersion(Tenants.Created t) {
        return tag(t.databaseName(), "databasechangelog_product");
    }

    private static String keyhubVersion(Tenants.Created t) {
        return tag(t.databaseName(), "databasechangelog");
    }

    private static boolean hasColumn(Tenants.Created t, String table, String column) {
        return !Catalog.query(t.databaseName(), "SELECT 1 FROM information_schema.columns WHERE table_name = ? "
                + "AND column_name = ?", table, column).isEmpty();
    }

    @Test
    @Order(1)
    void aNewTenantHasBothChangelogsEachInItsOwnHistory() {
        var t = Tenants.create("prod-new");
        assertEquals("product-1.0", productVersion(t));
        assertEquals("1.1.0", keyhubVersion(t));
        // The two histories are told apart by table: no product changeset in KeyHub's, and the other way round.
        assertEquals(0L, Catalog.query(t.databaseName(),
                "SELECT count(*) FROM databasechangelog WHERE author = 'product-test'").get(0).get(0));
        assertEquals(0L, Catalog.query(t.databaseName(),
                "SELECT count(*) FROM databasechangelog WHERE author = 'keyhub-example'").get(0).get(0));
        assertEquals(0L, Catalog.query(t.databaseName(),
                "SELECT count(*) FROM databasechangelog_product WHERE author NOT IN ('product-test', 'keyhub-example')")
                .get(0).get(0));
        assertTrue(hasColumn(t, "projects", "name"));
        assertTrue(!hasColumn(t, "notes", "title"), "nothing of a later release");

        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + t.id()).then().statusCode(200)
                .body("schemaVersion", equalTo("1.1.0")).body("productVersion", equalTo("product-1.0"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + t.id() + "/schema").then().statusCode(200)
                .body("version", equalTo("1.1.0"))
                .body("product.version", equalTo("product-1.0"))
                .body("product.templateVersion", equalTo("product-1.0"))
                .body("product.newestRelease", equalTo("t-1.2"))
                .body("product.pendingChangesets", equalTo(List.of("keyhub-example::projects-1.1-task-done",
                        "keyhub-example::product-tag-1.1", "product-test::t-1.0-notes",
                        "product-test::test-tag-t-1.0", "product-test::t-1.1-pinned", "product-test::test-tag-t-1.1",
                        "product-test::t-1.2-unique-title",
                        "product-test::test-tag-t-1.2")));
    }

    @Test
    @Order(2)
    void badJobsAreRefusedAndStartNothing() {
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("changelog", "product", "target", "1.1.0")).post("/admin/migrations")
                .then().statusCode(400).contentType("application/problem+json").body("code", equalTo("unknown_target"))
                .body("detail", containsString("product-1.0, product-1.1, t-1.0, t-1.1, t-1.2"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("changelog", "billing")).post("/admin/migrations")
                .then().statusCode(400).contentType("application/problem+json");
        assertEquals(0L, Catalog.query("keyhub", "SELECT count(*) FROM migration_jobs WHERE state IN "
                + "('DRY_RUN', 'RUNNING', 'PAUSED')").get(0).get(0));
    }

    @Test
    @Order(3)
    void aProductReleaseIsRolledOutByAJobAndLeavesKeyHubsVersionAlone() {
        var a = Tenants.create("prod-a");
        var bystander = Tenants.create("prod-other");
        String id = start(productJob("t-1.1", List.of(a.id())));
        await(id, DONE).body("state", equalTo("SUCCEEDED")).body("changelog", equalTo("product"))
                .body("tasks.findAll { it.phase == 'apply' }.fromVersion", equalTo(List.of("product-1.0")))
                .body("tasks.findAll { it.phase == 'apply' }.toVersion", equalTo(List.of("t-1.1")));
        assertEquals("t-1.1", productVersion(a));
        assertTrue(hasColumn(a, "notes", "pinned"), "the new column is there");
        assertEquals("1.1.0", keyhubVersion(a), "KeyHub's changelog is not touched by a product job");
        assertEquals("product-1.0", productVersion(bystander), "not selected, not touched");
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + a.id()).then()
                .body("schemaVersion", equalTo("1.1.0")).body("productVersion", equalTo("t-1.1"));
        // The template moved with the job: a tenant created now starts at the new product release.
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then().statusCode(200)
                .body("find { it.id == 'default' }.templateProductVersion", equalTo("t-1.1"))
                .body("find { it.id == 'default' }.templateVersion", equalTo("1.1.0"));
        var newcomer = Tenants.create("prod-newcomer");
        assertEquals("t-1.1", productVersion(newcomer));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + newcomer.id()).then()
                .body("productVersion", equalTo("t-1.1"));
        // The new column is used.
        Catalog.query(a.databaseName(), "INSERT INTO notes (author_id, title, pinned) SELECT id, 'Pinned', true "
                + "FROM users LIMIT 1 RETURNING id");

        // A clone carries the product's tables, rows and release.
        String slug = Tenants.uniqueSlug("prod-clone");
        var clone = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Copy")).post("/admin/tenants/" + a.id() + "/clone")
                .then().statusCode(201).body("productVersion", equalTo("t-1.1")).body("schemaVersion", equalTo("1.1.0"))
                .extract();
        assertEquals(List.of(List.of("Pinned", true)), Catalog.query(clone.path("databaseName"),
                "SELECT title, pinned FROM notes"));
    }

    @Test
    @Order(4)
    void aProductReleaseThatFailsOneTenantsDryRunChangesNoTenant() {
        var good = Tenants.create("prod-good");
        var bad = Tenants.create("prod-bad");
        Catalog.query(bad.databaseName(), "INSERT INTO notes (author_id, title) SELECT id, 'Twin' FROM users "
                + "UNION ALL SELECT id, 'Twin' FROM users RETURNING id");
        String before = productVersion(good);
        String id = start(productJob("t-1.2", List.of(good.id(), bad.id())));
        await(id, DONE).body("state", equalTo("FAILED"))
                .body("reason", equalTo("The dry run failed on 1 tenant(s); nothing was applied."))
                .body("tasks.find { it.slug == '" + bad.slug() + "' && it.phase == 'dry_run' }.error",
                        containsString("notes_title_unique"));
        assertEquals(before, productVersion(good), "nothing applied anywhere");
        assertEquals(before, productVersion(bad));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then()
                .body("find { it.id == 'default' }.templateProductVersion", equalTo(before));
    }

    @Test
    @Order(5)
    void aRollbackJobTakesEveryTenantBackToTheFirstProductRelease() {
        String id = start(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"));
        await(id, DONE).body("state", equalTo("SUCCEEDED")).body("reason", nullValue());
        assertEquals(0L, Catalog.query("keyhub", "SELECT count(*) FROM tenants WHERE status IN ('ACTIVE', 'SUSPENDED') "
                + "AND product_version IS DISTINCT FROM 'product-1.0'").get(0).get(0));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/db-servers").then()
                .body("find { it.id == 'default' }.templateProductVersion", equalTo("product-1.0"));
        var fresh = Tenants.create("prod-after");
        assertEquals("product-1.0", productVersion(fresh));
    }
}
