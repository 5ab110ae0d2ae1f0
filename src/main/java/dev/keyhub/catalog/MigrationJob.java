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

/**
 * A migration job: which release it moves the tenants to, how, and where it stands. Created by
 * {@link JobStore#create}; its tasks are {@link MigrationTask}s. The direction is kept as its wire name
 * ({@code update} or {@code rollback}, {@code schema/TenantSchema.Direction}).
 */
@Entity
@Table(name = "migration_jobs")
public class MigrationJob {

    @Id
    public UUID id;
    /** Which changelog the job rolls out. */
    @Convert(converter = Changelog.Column.class)
    public Changelog changelog;
    public String direction;
    public String target;
    @Enumerated(EnumType.STRING)
    public JobState state;
    @Enumerated(EnumType.STRING)
    @Column(name = "paused_from")
    public JobState pausedFrom;
    @Column(name = "dry_run_only")
    public boolean dryRunOnly;
    /** Each tenant is archived before it is changed. */
    public boolean backup;
    public int concurrency;
    public int canary;
    @Column(name = "current_wave")
    public int currentWave;
    @Convert(converter = ErrorPolicy.Column.class)
    @Column(name = "on_error")
    public ErrorPolicy onError;
    @Column(name = "max_failures")
    public int maxFailures;
    public String reason;
    @Column(name = "created_by")
    public String createdBy;
    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;
    @Column(name = "updated_at", insertable = false, updatable = false)
    public OffsetDateTime updatedAt;
    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
}
