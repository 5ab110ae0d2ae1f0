package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** One tenant's part of a migration job, in one phase (dry run or apply) and wave. */
@Entity
@Table(name = "migration_tasks")
public class MigrationTask {

    @Id
    public UUID id;
    @Column(name = "job_id")
    public UUID jobId;
    @Column(name = "tenant_id")
    public UUID tenantId;
    @Convert(converter = Phase.Column.class)
    public Phase phase;
    public int wave;
    @Enumerated(EnumType.STRING)
    public TaskState state;
    @Column(name = "from_version")
    public String fromVersion;
    /** The archive taken of the tenant before this task changed it (jobs with {@code backup}). */
    @jakarta.persistence.Column(name = "backup_archive")
    public String backupArchive;
    @Column(name = "to_version")
    public String toVersion;
    public String error;
    @Column(name = "claimed_by")
    public String claimedBy;
    @Column(name = "claimed_at")
    public OffsetDateTime claimedAt;
    @Column(name = "started_at")
    public OffsetDateTime startedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
}
