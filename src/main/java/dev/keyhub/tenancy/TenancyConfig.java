package dev.keyhub.tenancy;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How a request finds its tenant. */
@ConfigMapping(prefix = "keyhub.tenancy")
public interface TenancyConfig {

    /** Name of the token claim that names the caller's tenant (a slug or a tenant id). */
    @WithDefault("tenant")
    String claim();

    /**
     * A second claim to read the tenant from when the first is absent: Keycloak Organizations' claim
     * ({@code organization}), whose single organization alias is taken as the tenant's slug. Unset: not read.
     */
    Optional<String> organizationClaim();

    /**
     * How old a pending membership change must be before the recovery sweep takes it for one cut off by a crash and
     * copies its tenant's memberships into the member index again ({@link MemberIndex#reconcile}).
     */
    @WithDefault("60s")
    java.time.Duration memberIndexStaleAfter();

    /**
     * The domain tenants are reached under as {@code <slug>.<base domain>} (for instance {@code app.example.com}).
     * Unset: hosts name tenants only through the custom domains they have verified.
     */
    Optional<String> baseDomain();
}
