package dev.keyhub.example.projects;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Jobs;
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

        Jobs.run(Map.of("changelog", "product", "target", "product-1.1", "tenants", Map.of("ids", List.of(t.id()))))
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

        Jobs.run(Map.of("changelog", "product", "target", "product-1.0", "direction", "rollback"))
                .body("state", equalTo("SUCCEEDED"));
        given().auth().oauth2(member.token()).get(base + "/" + project + "/tasks").then().statusCode(200)
                .body("items.title", equalTo(List.of("Ship"))).body("items[0].done", nullValue());
    }
}
