package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A migration job: which release it moves the tenants to, how, and where it stands. Created by
 * {@link JobStore#create}; its tasks are {@link MigrationTask}s. States and directions are stored as their wire
 * names ({@code migration/JobState}, {@code ErrorPolicy}, {@code TenantSchema.Direction}).
 */
@Entity
@Table(name = "migration_jobs")
public class MigrationJob {

    @Id
    public UUID id;
    public String direction;
    public String target;
    public String state;
    @Column(name = "paused_from")
    public String pausedFrom;
    @Column(name = "dry_run_only")
    public boolean dryRunOnly;
    public int concurrency;
    public int canary;
    @Column(name = "current_wave")
    public int currentWave;
    @Column(name = "on_error")
    public String onError;
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
