package dev.keyhub.example.projects;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasKey;

import static io.restassured.RestAssured.given;

/** {@code keyhub.example.projects.enabled=false} removes the example feature's routes, and its OpenAPI paths. */
@QuarkusTest
@TestProfile(ProjectsOffTest.Off.class)
class ProjectsOffTest {

    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.example.projects.enabled", "false");
        }
    }

    @Test
    void theRoutesAreGone() {
        var t = Tenants.create("proj-off");
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/projects").then().statusCode(404);
        given().auth().oauth2(Members.ownerToken(t)).get("/api/tenants/" + t.slug() + "/me").then().statusCode(200);
        given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .body("paths", not(hasKey("/api/tenants/{tenant}/projects")));
    }
}
