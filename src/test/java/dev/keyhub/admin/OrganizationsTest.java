package dev.keyhub.admin;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static io.restassured.RestAssured.given;

@QuarkusTest
class OrganizationsTest {

    private static String organization(int maxTenants) {
        String slug = Tenants.uniqueSlug("org");
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", slug, "name", "Org " + slug, "maxTenants", maxTenants))
                .post("/admin/organizations").then().statusCode(201)
                .body("maxTenants", equalTo(maxTenants)).body("liveTenants", equalTo(0));
        return slug;
    }

    private static Map<String, Object> tenantOf(String organization) {
        Map<String, Object> body = new HashMap<>(Tenants.body(Tenants.uniqueSlug("orgt"), "owner-" + organization));
        body.put("organization", organization);
        return body;
    }

    @Test
    void anOrganizationHoldsNoMoreLiveTenantsThanItsQuota() {
        String org = organization(2);
        String first = Tenants.post(tenantOf(org)).then().statusCode(201).extract().path("id");
        Tenants.post(tenantOf(org)).then().statusCode(201);

        long tenants = Catalog.tenantDatabases();
        Map<String, Object> third = tenantOf(org);
        Tenants.post(third).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("organization_quota_exceeded"));
        assertEquals(0L, Catalog.tenantRows((String) third.get("slug")), "nothing recorded");
        assertEquals(tenants, Catalog.tenantDatabases(), "no database created");

        // A deleted tenant frees its place; a raised quota makes room too.
        given().auth().oauth2(Tokens.platformAdmin()).delete("/admin/tenants/" + first).then().statusCode(204);
        Tenants.post(tenantOf(org)).then().statusCode(201);
        Tenants.post(tenantOf(org)).then().statusCode(409);
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("maxTenants", 3))
                .patch("/admin/organizations/" + org).then().statusCode(200).body("maxTenants", equalTo(3))
                .body("liveTenants", equalTo(2));
        Tenants.post(tenantOf(org)).then().statusCode(201);
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/organizations/" + org).then().statusCode(200)
                .body("liveTenants", equalTo(3));
    }

    @Test
    void concurrentCreationsCannotOvershootTheQuota() throws Exception {
        String org = organization(1);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Callable<Integer>> attempts = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                attempts.add(() -> Tenants.post(tenantOf(org)).statusCode());
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> f : pool.invokeAll(attempts)) {
                statuses.add(f.get());
            }
            assertEquals(1, statuses.stream().filter(s -> s == 201).count(), statuses.toString());
            assertEquals(5, statuses.stream().filter(s -> s == 409).count(), statuses.toString());
        } finally {
            pool.shutdown();
        }
        assertEquals(1L, Catalog.query("keyhub", "SELECT count(*) FROM tenants t JOIN organizations o "
                + "ON o.id = t.organization_id WHERE o.slug = ? AND t.status <> 'DELETED'", org).get(0).get(0));
    }

    @Test
    void badOrganizationsAreRefused() {
        Tenants.post(tenantOf("no-such-org")).then().statusCode(400).body("code", equalTo("unknown_organization"));
        String org = organization(5);
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", org, "name", "again")).post("/admin/organizations").then().statusCode(409)
                .body("code", equalTo("organization_exists"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", "x", "name", "", "maxTenants", -1)).post("/admin/organizations").then().statusCode(400);
        // One organization slug rule for creation and for a tenant's organization: ending in a hyphen is refused.
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(Map.of("slug", "acme-", "name", "Acme")).post("/admin/organizations").then().statusCode(400);
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON)
                .body(tenantOf("acme-")).post("/admin/tenants").then().statusCode(400)
                .body("code", equalTo("validation_failed"));
        given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(Map.of("maxTenants", 1))
                .patch("/admin/organizations/none-here").then().statusCode(404);
        given().auth().oauth2(Tokens.user("someone")).get("/admin/organizations").then().statusCode(403);
    }
}
