package dev.keyhub.migration;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A migration job with its progress; {@code tasks} only when one job is asked for. */
public record JobView(UUID id, String changelog, String direction, String target, String state, boolean dryRunOnly, int concurrency,
        int canary, int currentWave, String onError, int maxFailures, boolean backup, String reason, String createdBy,
        OffsetDateTime createdAt, OffsetDateTime updatedAt, OffsetDateTime finishedAt, Progress progress,
        List<TaskView> tasks) {

    /** Counts of tasks by phase and state, and an estimate of the time left. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "MigrationProgress")
    public record Progress(Map<String, Long> dryRun, Map<String, Long> apply, double percent, Long estimatedSecondsLeft) {
    }

    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "MigrationTask")
    public record TaskView(UUID tenantId, String slug, String phase, int wave, String state, String fromVersion,
            String toVersion, Long durationMs, String error, String backupArchive) {
    }
}
