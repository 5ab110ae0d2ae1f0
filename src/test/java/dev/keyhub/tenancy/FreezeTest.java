package dev.keyhub.tenancy;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

import dev.keyhub.catalog.Freeze;
import dev.keyhub.support.Catalog;
import dev.keyhub.support.Members;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import static io.restassured.RestAssured.given;

/**
 * A frozen tenant serves reads and refuses writes with 503, Retry-After and a code that says why (migration,
 * move, restore); another tenant is not affected, and the tenant takes writes again once thawed.
 */
@QuarkusTest
class FreezeTest {

    @Inject
    TenantDirectory directory;

    @ParameterizedTest
    @EnumSource(Freeze.class)
    void aFrozenTenantSaysWhyItRefusesWrites(Freeze reason) {
        var frozen = Tenants.create("frozen-" + reason.name().toLowerCase());
        var other = Tenants.create("thawed-" + reason.name().toLowerCase());
        setFreeze(frozen, reason.name());
        try {
            patchName(frozen).then().statusCode(503).contentType("application/problem+json")
                    .body("code", equalTo(reason.code())).header("Retry-After", notNullValue());
            given().auth().oauth2(Members.ownerToken(frozen)).get("/api/tenants/" + frozen.slug() + "/me")
                    .then().statusCode(200);
            patchName(other).then().statusCode(200);
        } finally {
            setFreeze(frozen, null);
        }
        patchName(frozen).then().statusCode(200);
    }

    private void setFreeze(Tenants.Created t, String reason) {
        Catalog.execute("keyhub", "UPDATE tenants SET frozen_for = " + (reason == null ? "NULL" : "'" + reason + "'")
                + " WHERE id = '" + t.id() + "'");
        directory.forget(t.slug(), UUID.fromString(t.id())).await().indefinitely();
    }

    private static io.restassured.response.Response patchName(Tenants.Created t) {
        return given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(Map.of("name", "Renamed"))
                .patch("/api/tenants/" + t.slug() + "/me");
    }
}
