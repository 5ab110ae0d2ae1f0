package dev.keyhub.common;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;

import static io.restassured.RestAssured.given;

/** The example web app is served at /app/ in tests and dev mode (PackagedAppIT checks that production has none). */
@QuarkusTest
class ExampleAppTest {

    @Test
    void theAppAndItsClientAreServed() {
        given().redirects().follow(false).get("/app").then().statusCode(302).header("Location", endsWith("/app/"));
        given().get("/app/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("<title>KeyHub example app</title>"), containsString("src=\"app.js\""));
        given().get("/app/app.js").then().statusCode(200).body(containsString("from \"./keyhub-client.js\""));
        given().get("/app/keyhub-client.js").then().statusCode(200).body(containsString("function createKeyHubClient"));
        // Only what the app is made of: not its type-checking files.
        given().get("/app/tsconfig.json").then().statusCode(404);
        given().get("/app/keyhub-client.d.ts").then().statusCode(404);
    }
}
