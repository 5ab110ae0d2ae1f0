package dev.keyhub.tenancy;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

import jakarta.json.JsonString;

/**
 * Reads the tenant a token names: the tenant claim ({@code keyhub.tenancy.claim}, a slug or id), or else, when
 * {@code keyhub.tenancy.organization-claim} is set, Keycloak Organizations' claim, which is a list of
 * organization aliases or an object keyed by them. Only a single organization names a tenant; a token of
 * several organizations names none, and its holder uses the tenant's slug in the path.
 */
public final class TenantClaim {

    private TenantClaim() {
    }

    /** The tenant named by a token's claims (JSON-P values or plain Java values), or null. */
    public static String of(Object tenantClaim, Object organizationClaim, Optional<String> organizationClaimName) {
        String tenant = single(tenantClaim);
        if (tenant != null || organizationClaimName.isEmpty()) {
            return tenant;
        }
        return single(organizationClaim);
    }

    private static String single(Object value) {
        if (value instanceof JsonString js) {
            return blankToNull(js.getString());
        }
        if (value instanceof String s) {
            return blankToNull(s);
        }
        if (value instanceof Map<?, ?> map) {
            return map.size() == 1 ? blankToNull(String.valueOf(map.keySet().iterator().next())) : null;
        }
        if (value instanceof Collection<?> list) {
            return list.size() == 1 ? single(list.iterator().next()) : null;
        }
        return null;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
