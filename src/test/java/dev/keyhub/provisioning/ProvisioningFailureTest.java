package dev.keyhub.provisioning;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.quarkus.test.junit.QuarkusTest;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A failure at any provisioning step leaves neither a database nor a catalog row behind. */
@QuarkusTest
class ProvisioningFailureTest {

    @Inject
    StepFaults faults;

    @AfterEach
    void restore() {
        faults.clear();
    }

    @ParameterizedTest
    @EnumSource(value = ProvisioningStep.class, names = { "CREATE_DATABASE", "INITIALISE", "ACTIVATE" })
    void failureAtAStepLeavesNothingBehind(ProvisioningStep step) {
        faults.failAt(step);
        String slug = Tenants.uniqueSlug("fail");
        long databases = Catalog.tenantDatabases();

        Tenants.post(Tenants.body(slug, "owner-" + slug)).then().statusCode(500)
                .contentType("application/problem+json")
                .body("code", equalTo("provisioning_failed"))
                .body("step", equalTo(step.wireName()))
                .body("detail", not(containsString("injected")));

        assertEquals(0, Catalog.tenantRows(slug), "no catalog row");
        assertEquals(databases, Catalog.tenantDatabases(), "no database");

        // The slug is free: with the fault gone the same request succeeds.
        restore();
        Tenants.post(Tenants.body(slug, "owner-" + slug)).then().statusCode(201);
    }
}
