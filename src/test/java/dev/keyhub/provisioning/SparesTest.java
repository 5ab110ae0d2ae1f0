package dev.keyhub.provisioning;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

import dev.keyhub.support.Catalog;
import dev.keyhub.support.Tenants;
import dev.keyhub.support.Tokens;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static io.restassured.RestAssured.given;

/** Spare databases: claimed by provisioning, topped up, dropped when outdated, never leaked on failure. */
@QuarkusTest
@TestProfile(SparesTest.WithSpares.class)
class SparesTest {

    public static class WithSpares implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("keyhub.provisioning.spares-per-server", "2",
                    "keyhub.provisioning.spares-interval", "200ms");
        }
    }

    @Inject
    StepFaults faults;

    @AfterEach
    void restore() {
        faults.clear();
    }

    @Test
    void provisioningClaimsASpareAndSparesAreToppedUp() {
        List<UUID> spares = readySpares();
        assertEquals(2, spares.size());
        var tenant = Tenants.create("spare");
        assertTrue(spares.contains(UUID.fromString(tenant.id())), "the tenant took a spare's id");
        assertTrue(Catalog.databaseExists(tenant.databaseName()));
        given().auth().oauth2(Tokens.user(tenant.ownerSubject())).get("/api/tenants/" + tenant.slug() + "/me")
                .then().statusCode(200).body("role", equalTo("admin"));
        awaitTrue(() -> readySpares().size() == 2 && !readySpares().contains(UUID.fromString(tenant.id())));
    }

    @Test
    void aFailedProvisioningDropsTheClaimedSpare() {
        List<UUID> before = readySpares();
        faults.failAt(ProvisioningStep.INITIALISE);
        String slug = Tenants.uniqueSlug("spare-fail");
        Tenants.post(Tenants.body(slug, "o-" + slug)).then().statusCode(500).body("step", equalTo("initialise"));
        assertEquals(0, Catalog.tenantRows(slug));
        long leaked = before.stream().filter(id -> Catalog.databaseExists(ProvisioningService.databaseName(id)))
                .filter(id -> !readySpares().contains(id)).count();
        assertEquals(0, leaked, "the claimed spare's database was dropped");
    }

    @Test
    void outdatedSparesAreDropped() {
        UUID outdated = readySpares().get(0);
        Catalog.query("keyhub", "UPDATE spare_databases SET schema_version = '0.0.0' WHERE id = ? RETURNING id", outdated);
        awaitTrue(() -> !Catalog.databaseExists(ProvisioningService.databaseName(outdated)));
        awaitTrue(() -> readySpares().size() == 2);
        assertFalse(readySpares().contains(outdated));
    }

    private static List<UUID> readySpares() {
        awaitTrue(() -> Catalog.query("keyhub",
                "SELECT count(*) FROM spare_databases WHERE state = 'ready'").get(0).get(0).equals(2L));
        return Catalog.query("keyhub", "SELECT id FROM spare_databases WHERE state = 'ready' ORDER BY created_at")
                .stream().map(r -> (UUID) r.get(0)).toList();
    }

    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 30 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
