package dev.keyhub.catalog;

/** Where one tenant's task of a migration job is; stored as its name in {@code migration_tasks.state}. */
public enum TaskState {
    PENDING, RUNNING, SUCCEEDED, FAILED, SKIPPED
}
