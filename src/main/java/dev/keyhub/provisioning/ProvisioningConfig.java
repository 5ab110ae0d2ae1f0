package dev.keyhub.provisioning;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Provisioning, spares, deletion and the fleet health check. */
@ConfigMapping(prefix = "keyhub.provisioning")
public interface ProvisioningConfig {

    /** The tenant quota an organization gets when it is created without one. */
    @WithDefault("100")
    int maxTenantsPerOrganization();

    /**
     * A tenant still PROVISIONING or DELETING this long after its last change is taken to be abandoned (its
     * replica crashed) and is finished by the recovery sweep.
     */
    @WithDefault("10m")
    Duration staleAfter();

    /**
     * Tenant databases kept ready per server, copied from the template ahead of demand, so that creating a
     * tenant does not wait for {@code CREATE DATABASE}. 0 turns this off.
     */
    @WithDefault("2")
    int sparesPerServer();

    /** How long a deleted tenant's database is kept before the background purge drops it. */
    @WithDefault("7d")
    Duration deleteGrace();

    /** How many tenant databases the fleet health check probes at once. */
    @WithDefault("8")
    int healthConcurrency();

    /** How long the health check waits for one tenant database. */
    @WithDefault("2s")
    Duration healthTimeout();

    /** How often spares are topped up and outdated ones dropped. */
    @WithDefault("5s")
    Duration sparesInterval();
}
