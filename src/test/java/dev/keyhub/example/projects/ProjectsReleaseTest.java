package dev.keyhub.example.projects;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static io.restassured.RestAssured.given;

/**
 * End to end: a tenant is provisioned at the example's first product release, a migration job rolls out the
 * next (tasks.done), and the feature uses the new column for that tenant; until then it answers 409 and changes
 * nothing. Every tenant is rolled back to product-1.0 afterwards, as other test classes expect.
 */
@QuarkusTest
class ProjectsReleaseTest {

    private static final Set<String> DONE = Set.of("SUCCEEDED", "FAILED", "HALTED", "CANCELLED");

    /** Starts a product migration job and waits for it to end; the runner polls every few hundred milliseconds. */
    private static ValidatableResponse job(Map<String, Object> body) {
        String id = given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body)
                .post("/admin/migrations").then().statusCode(202).extract().path("id");
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            var response = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/migrations/" + id).then()
                    .statusCode(200);
            String state = response.extract().path("state");
            if (DONE.contains(state)) {
                return response;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("job " + id + " still " + state);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void aProductReleaseRolledOutByAJobIsUsedByTheFeature() {
        var t = Tenants.create("proj-release");
        var member = Members.add(t, "member");
        String base = "/api/tenants/" + t.slug() + "/projects";
        String project = given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("name", "Launch"))
                .post(base).then().statusCode(201).extract().path("id");
        String task = given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("title", "Ship"))
                .post(base + "/" + project + "/tasks").then().statusCode(201).body("done", nullValue())
                .extract().path("id");
        String taskUrl = base + "/" + project + "/tasks/" + task;

        // At product-1.0 there is no done column: the feature says so, and changes nothing.
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + t.id()).then()
                .body("productVersion", equalTo("product-1.0"));
        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("done", true)).patch(taskUrl)
                .then().statusCode(409).contentType("application/problem+json").body("code", equalTo("release_required"));

        job(Map.of("changelog", "product", "target", "product-1.1", "tenants", Map.of("ids", List.of(t.id()))))
                .body("state", equalTo("SUCCEEDED"));
        given().auth().oauth2(Tokens.platformAdmin()).get("/admin/tenants/" + t.id()).then()
                .body("productVersion", equalTo("product-1.1"));

        given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("done", true)).patch(taskUrl)
                .then().statusCode(200).body("done", equalTo(true));
        given().auth().oauth2(member.token()).get(base + "/" + project + "/tasks").then().statusCode(200)
                .body("items.done", equalTo(List.of(true)));
        assertEquals(List.of(List.of(true)), Catalog.query(t.databaseName(), "SELECT done FROM tasks"));
        assertEquals(List.of(List.of("task.updated")), Catalog.query(t.databaseName(),
                "SELECT action FROM audit_log WHERE action = 'task.updated'"));

        job(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"))
                .body("state", equalTo("SUCCEEDED"));
        given().auth().oauth2(member.token()).get(base + "/" + project + "/tasks").then().statusCode(200)
                .body("items.title", equalTo(List.of("Ship"))).body("items[0].done", nullValue());
    }
}
