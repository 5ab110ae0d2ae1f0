package dev.keyhub.support;

import java.util.Map;

/**
 * {@link KeycloakProfile} with Keycloak Organizations mode on: KeyHub's service account {@code keyhub-admin} of the
 * dev realm syncs organizations every second, and the {@code organization} claim names the tenant.
 */
public class KeycloakOrganizationsProfile extends KeycloakProfile {

    public static final String ADMIN_CLIENT = "keyhub-admin";
    public static final String ADMIN_SECRET = "keyhub-admin-dev-secret";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("keyhub.keycloak-organizations.enabled", "true");
        config.put("keyhub.keycloak-organizations.client-secret", ADMIN_SECRET);
        config.put("keyhub.keycloak-organizations.retry-every", "1s");
        config.put("keyhub.tenancy.organization-claim", "organization");
        return config;
    }
}
