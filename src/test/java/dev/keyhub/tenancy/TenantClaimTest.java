package dev.keyhub.tenancy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.json.Json;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Reading the tenant from a token's claims: a plain unit test, no application started. */
class TenantClaimTest {

    private static final Optional<String> ORGANIZATION = Optional.of("organization");

    @Test
    void theTenantClaimWinsWhenPresent() {
        assertEquals("acme", TenantClaim.of("acme", List.of("other"), ORGANIZATION));
        assertEquals("acme", TenantClaim.of(Json.createValue("acme"), null, Optional.empty()));
        assertEquals("acme", TenantClaim.of(List.of("acme"), null, Optional.empty()));
    }

    @Test
    void aSingleOrganizationNamesTheTenantOnlyWhenThatClaimIsConfigured() {
        assertEquals("acme", TenantClaim.of(null, List.of("acme"), ORGANIZATION));
        assertEquals("acme", TenantClaim.of(null, Map.of("acme", Map.of("id", "x")), ORGANIZATION));
        assertNull(TenantClaim.of(null, List.of("acme"), Optional.empty()));
    }

    @Test
    void severalBlankOrOddValuesNameNoTenant() {
        assertNull(TenantClaim.of(null, List.of("acme", "globex"), ORGANIZATION));
        assertNull(TenantClaim.of(null, Map.of("acme", 1, "globex", 2), ORGANIZATION));
        assertNull(TenantClaim.of(" ", null, Optional.empty()));
        assertNull(TenantClaim.of(List.of(), null, Optional.empty()));
        assertNull(TenantClaim.of(42, null, Optional.empty()));
        assertNull(TenantClaim.of(null, null, ORGANIZATION));
    }
}
