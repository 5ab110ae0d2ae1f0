package dev.keyhub.provisioning;

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
}
