package dev.keyhub.catalog;

/**
 * Why a tenant refuses writes for a while (it still serves reads); stored by name in {@code tenants.frozen_for},
 * NULL when it is not frozen. Each reason has its own problem code, so a client can tell them apart.
 */
public enum Freeze {
    /** A migration job is applying a release to the tenant's database. */
    MIGRATION("tenant_migrating", "The tenant's schema is being migrated; it takes writes again shortly."),
    /** The tenant's database is being copied to another server. */
    MOVE("tenant_moving", "The tenant is moving to another database server; it takes writes again shortly."),
    /** The tenant's database is being restored from an archive. */
    RESTORE("tenant_restoring", "The tenant is being restored; it takes writes again shortly.");

    private final String code;
    private final String detail;

    Freeze(String code, String detail) {
        this.code = code;
        this.detail = detail;
    }

    /** The problem code a write gets meanwhile (503, with Retry-After). */
    public String code() {
        return code;
    }

    public String detail() {
        return detail;
    }
}
