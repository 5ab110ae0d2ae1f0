package dev.keyhub.example.projects;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;
import dev.keyhub.tenancy.TenantDirectory;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static io.restassured.RestAssured.given;

/**
 * The example feature, projects and tasks, through its routes: members create and list a page at a time,
 * admins delete, every change is audited, bad input changes nothing, a frozen tenant refuses writes, and
 * another tenant's people and ids reach nothing.
 */
@QuarkusTest
class ProjectsTest {

    @Inject
    TenantDirectory directory;

    private static String projects(Tenants.Created t) {
        return "/api/tenants/" + t.slug() + "/projects";
    }

    private static String create(String token, Tenants.Created t, String name) {
        return given().auth().oauth2(token).contentType(ContentType.JSON).body(Map.of("name", name))
                .post(projects(t)).then().statusCode(201).header("Location", notNullValue())
                .body("name", equalTo(name)).extract().path("id");
    }

    private static long rows(Tenants.Created t, String table) {
        return (Long) Catalog.query(t.databaseName(), "SELECT count(*) FROM " + table).get(0).get(0);
    }

    private static List<Object> auditActions(Tenants.Created t) {
        List<Object> actions = new ArrayList<>();
        Catalog.query(t.databaseName(), "SELECT action FROM audit_log WHERE action LIKE 'project.%' "
                + "OR action LIKE 'task.%' ORDER BY created_at, id").forEach(r -> actions.add(r.get(0)));
        return actions;
    }

    @Test
    void membersCreateAndPageAdminsDeleteAndEveryChangeIsAudited() {
        var t = Tenants.create("proj");
        var member = Members.add(t, "member");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(create(member.token(), t, "Project " + i));
        }
        // Newest first, two at a time.
        var first = given().auth().oauth2(member.token()).queryParam("size", 2).get(projects(t)).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(2), ids.get(1)))).extract();
        String cursor = first.path("nextCursor");
        given().auth().oauth2(member.token()).queryParam("size", 2).queryParam("cursor", cursor).get(projects(t))
                .then().statusCode(200).body("items.id", equalTo(List.of(ids.get(0)))).body("nextCursor", nullValue());
        given().auth().oauth2(member.token()).get(projects(t) + "/" + ids.get(0)).then().statusCode(200)
                .body("name", equalTo("Project 0")).body("createdBy", equalTo(member.userId()));

        String project = ids.get(0);
        String task = given().auth().oauth2(member.token()).contentType(ContentType.JSON).body(Map.of("title", "Write docs"))
                .post(projects(t) + "/" + project + "/tasks").then().statusCode(201).body("projectId", equalTo(project))
                .extract().path("id");
        given().auth().oauth2(member.token()).get(projects(t) + "/" + project + "/tasks").then().statusCode(200)
                .body("items.title", equalTo(List.of("Write docs")));

        // A member may not delete; an admin may.
        given().auth().oauth2(member.token()).delete(projects(t) + "/" + project + "/tasks/" + task).then()
                .statusCode(403).body("code", equalTo("insufficient_role"));
        given().auth().oauth2(member.token()).delete(projects(t) + "/" + project).then().statusCode(403);
        given().auth().oauth2(Members.ownerToken(t)).delete(projects(t) + "/" + project + "/tasks/" + task).then()
                .statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).delete(projects(t) + "/" + project).then().statusCode(204);
        given().auth().oauth2(Members.ownerToken(t)).delete(projects(t) + "/" + project).then().statusCode(404)
                .body("code", equalTo("project_not_found"));
        assertEquals(2L, rows(t, "projects"));
        assertEquals(List.of("project.created", "project.created", "project.created", "task.created", "task.deleted",
                "project.deleted"), auditActions(t));
    }

    @Test
    void badInputIsAProblemAndChangesNothing() {
        var t = Tenants.create("proj-bad");
        String owner = Members.ownerToken(t);
        String project = create(owner, t, "Kept");
        for (Object body : List.of(Map.of("name", ""), Map.of("name", "x".repeat(201)), Map.of(), "[]", "{\"name\": 7")) {
            given().auth().oauth2(owner).contentType(ContentType.JSON).body(body).post(projects(t)).then()
                    .statusCode(400).contentType("application/problem+json");
        }
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("title", " "))
                .post(projects(t) + "/" + project + "/tasks").then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("title", "Orphan"))
                .post(projects(t) + "/" + UUID.randomUUID() + "/tasks").then().statusCode(404)
                .body("code", equalTo("project_not_found"));
        given().auth().oauth2(owner).queryParam("cursor", "not-a-cursor").get(projects(t)).then().statusCode(400)
                .contentType("application/problem+json");
        given().auth().oauth2(owner).queryParam("size", "0").get(projects(t)).then().statusCode(400);
        given().auth().oauth2(owner).get(projects(t) + "/1-2-3-4-5").then().statusCode(404)
                .body("code", equalTo("project_not_found"));
        assertEquals(1L, rows(t, "projects"));
        assertEquals(0L, rows(t, "tasks"));
        assertEquals(List.of("project.created"), auditActions(t));
    }

    @Test
    void aFrozenTenantServesProjectsButTakesNoNewOnes() {
        var t = Tenants.create("proj-frozen");
        String owner = Members.ownerToken(t);
        create(owner, t, "Before");
        freeze(t, "MOVE");
        try {
            given().auth().oauth2(owner).contentType(ContentType.JSON).body(Map.of("name", "During")).post(projects(t))
                    .then().statusCode(503).body("code", equalTo("tenant_moving")).header("Retry-After", notNullValue());
            given().auth().oauth2(owner).get(projects(t)).then().statusCode(200).body("items.name", equalTo(List.of("Before")));
        } finally {
            freeze(t, null);
        }
        create(owner, t, "After");
    }

    @Test
    void anotherTenantsPeopleAndIdsReachNothing() {
        var a = Tenants.create("proj-a");
        var b = Tenants.create("proj-b");
        String aProject = create(Members.ownerToken(a), a, "A's plans");
        String bOwner = Members.ownerToken(b);
        // B's owner, on A's path: not a member of A.
        given().auth().oauth2(bOwner).get(projects(a)).then().statusCode(403);
        given().auth().oauth2(bOwner).delete(projects(a) + "/" + aProject).then().statusCode(403);
        // A's project id on B's path: B's database has no such project.
        given().auth().oauth2(bOwner).get(projects(b) + "/" + aProject).then().statusCode(404);
        given().auth().oauth2(bOwner).delete(projects(b) + "/" + aProject).then().statusCode(404);
        given().auth().oauth2(bOwner).contentType(ContentType.JSON).body(Map.of("title", "Planted"))
                .post(projects(b) + "/" + aProject + "/tasks").then().statusCode(404);
        given().auth().oauth2(bOwner).get(projects(b)).then().statusCode(200).body("items", equalTo(List.of()));
        assertEquals(1L, rows(a, "projects"));
        assertEquals(0L, rows(a, "tasks"));
        assertEquals(0L, rows(b, "projects"));
    }

    private void freeze(Tenants.Created t, String reason) {
        Catalog.execute("keyhub", "UPDATE tenants SET frozen_for = " + (reason == null ? "NULL" : "'" + reason + "'")
                + " WHERE id = '" + t.id() + "'");
        directory.forget(t.slug(), UUID.fromString(t.id())).await().indefinitely();
    }
}
