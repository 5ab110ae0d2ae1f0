package dev.keyhub.support;

import java.util.Set;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

import static org.hamcrest.Matchers.notNullValue;

import static io.restassured.RestAssured.given;

/** Migration jobs through the admin API: start one, and wait until it reaches a state. */
public final class Jobs {

    /** The states a job ends in. */
    public static final Set<String> DONE = Set.of("SUCCEEDED", "FAILED", "HALTED", "CANCELLED");

    private Jobs() {
    }

    /** Starts a job with this body (a map or JSON text); its id. */
    public static String start(Object body) {
        return given().auth().oauth2(Tokens.platformAdmin()).contentType(ContentType.JSON).body(body)
                .post("/admin/migrations").then().statusCode(202).header("Location", notNullValue())
                .extract().path("id");
    }

    /**
     * Waits until the job is in one of {@code states}, polling its state (the runner moves jobs on every few
     * hundred milliseconds); fails after a minute. The job as last read.
     */
    public static ValidatableResponse await(String job, Set<String> states) {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            var response = given().auth().oauth2(Tokens.platformAdmin()).get("/admin/migrations/" + job).then()
                    .statusCode(200);
            String state = response.extract().path("state");
            if (states.contains(state)) {
                return response;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("job " + job + " still " + state);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** Starts a job and waits until it ends. */
    public static ValidatableResponse run(Object body) {
        return await(start(body), DONE);
    }
}
