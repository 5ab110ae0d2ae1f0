package dev.keyhub.provisioning;

import java.util.UUID;

/** The steps of creating a tenant, in order; a failure names the step it happened in. */
public enum ProvisioningStep {
    /** The catalog row is written in state PROVISIONING. */
    RECORD,
    /** The database is copied from the server's template. */
    CREATE_DATABASE,
    /** The owner is written into the new database as its first admin. */
    INITIALISE,
    /** The catalog row becomes ACTIVE with its schema version. */
    ACTIVATE;

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A CDI event fired synchronously just before a step runs. An observer that throws makes the step fail,
     * and provisioning undoes what the earlier steps did, as for any other failure in that step.
     */
    public record Starting(ProvisioningStep step, UUID tenantId) {
    }
}
