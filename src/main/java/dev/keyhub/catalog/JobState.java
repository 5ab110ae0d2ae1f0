package dev.keyhub.catalog;

/** Where a migration job is; stored as its name in {@code migration_jobs.state}. */
public enum JobState {
    /** Every selected tenant is tried in a transaction that is rolled back. */
    DRY_RUN,
    /** Waves are being applied. */
    RUNNING,
    /** Stopped by an admin; resumes where it was. */
    PAUSED,
    SUCCEEDED,
    FAILED,
    /** Stopped by failures past the job's error policy; tenants not yet migrated kept their version. */
    HALTED,
    CANCELLED;

    /** Whether tasks of the job are still handed out. */
    public boolean active() {
        return this == DRY_RUN || this == RUNNING;
    }
}
