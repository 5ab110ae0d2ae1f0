package dev.keyhub.keycloak;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Keycloak Organizations mode: each tenant an organization in the realm, its members the tenant's. */
@ConfigMapping(prefix = "keyhub.keycloak-organizations")
public interface KeycloakOrganizationsConfig {

    /** Off by default: KeyHub then writes nothing to Keycloak. */
    @WithDefault("false")
    boolean enabled();

    /** The realm (its issuer URL); defaults to {@code keyhub.auth.issuer}, then {@code mp.jwt.verify.issuer}. */
    Optional<String> issuer();

    /** The confidential client whose service account manages organizations (realm-management roles in the realm file). */
    @WithDefault("keyhub-admin")
    String clientId();

    /** Its secret. Required when enabled; without it every sync fails, visibly, and is retried. */
    Optional<String> clientSecret();

    /** How often pending tenants are looked at; a failed tenant waits this long times 2^attempts, at most 10 minutes. */
    @WithDefault("10s")
    Duration retryEvery();
}
