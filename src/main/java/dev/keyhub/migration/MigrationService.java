package dev.keyhub.migration;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import dev.keyhub.catalog.Changelog;
import dev.keyhub.catalog.ErrorPolicy;
import dev.keyhub.catalog.JobStore;
import dev.keyhub.catalog.MigrationJob;
import dev.keyhub.catalog.MigrationTask;
import dev.keyhub.catalog.Phase;
import dev.keyhub.catalog.TaskState;
import dev.keyhub.common.ProblemException;
import dev.keyhub.schema.TenantChangelog;
import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.schema.TenantSchema;

/**
 * Creates and steers migration jobs; {@link MigrationRunner} does the work. A job targets the tenants whose
 * recorded schema version differs from the target, so a job with nothing to apply finishes at once without
 * opening any tenant database. One job runs at a time.
 */
@ApplicationScoped
public class MigrationService {

    private final JobStore jobs;
    private final TenantSchema schema;

    public MigrationService(JobStore jobs, TenantSchema schema) {
        this.jobs = jobs;
        this.schema = schema;
    }

    /** Creates a job (202); 400 for an unknown target, 409 while another job is unfinished. */
    public Uni<JobView> create(MigrationRequest request, String actor) {
        Changelog kind = request.changelog() == null ? Changelog.KEYHUB : Changelog.fromWire(request.changelog());
        TenantChangelog changelog;
        try {
            changelog = schema.changelog(kind);
        } catch (ProblemException e) {
            return Uni.createFrom().failure(e);
        }
        List<String> tags = changelog.tags();
        String target = request.target() == null || "latest".equals(request.target()) ? changelog.latest()
                : request.target();
        if (!tags.contains(target)) {
            return Uni.createFrom().failure(ProblemException.badRequest("unknown_target", "No release '" + target
                    + "' in the " + kind.wireName() + " changelog; releases: " + String.join(", ", tags)));
        }
        Direction direction = request.direction() == null ? Direction.UPDATE : Direction.fromWire(request.direction());
        int concurrency = request.concurrency() == null ? 4 : request.concurrency();
        int canary = request.canary() == null ? 1 : request.canary();
        ErrorPolicy onError = request.onError() == null ? ErrorPolicy.HALT : ErrorPolicy.fromWire(request.onError());
        int maxFailures = request.maxFailures() == null ? 0 : request.maxFailures();
        boolean dryRunOnly = Boolean.TRUE.equals(request.dryRun());
        List<UUID> ids = request.tenants() == null || request.tenants().ids() == null ? List.of() : request.tenants().ids();
        List<String> slugs = request.tenants() == null || request.tenants().slugs() == null ? List.of()
                : request.tenants().slugs();
        boolean all = ids.isEmpty() && slugs.isEmpty();
        UUID id = UUID.randomUUID();
        JsonObject selector = all ? null : new JsonObject().put("ids", ids.stream().map(UUID::toString).toList())
                .put("slugs", slugs);
        return jobs.create(new JobStore.NewJob(id, kind, direction.wireName(), target, dryRunOnly, concurrency, canary,
                        onError, maxFailures, selector, actor, Boolean.TRUE.equals(request.backup())),
                        new JobStore.Selection(all, ids, slugs))
                .chain(() -> get(id, false));
    }

    /** One job with its progress and, if asked, its tasks; 404 {@code migration_not_found}. */
    public Uni<JobView> get(UUID id, boolean withTasks) {
        return jobs.find(id).chain(job -> {
            if (job == null) {
                throw ProblemException.notFound("migration_not_found", "No migration job " + id + ".");
            }
            return progress(job).chain(progress -> withTasks
                    ? jobs.tasks(id).map(tasks -> view(job, progress, tasks.stream().map(MigrationService::taskView).toList()))
                    : Uni.createFrom().item(view(job, progress, null)));
        });
    }

    /** The newest jobs first, without tasks. */
    public Uni<List<JobView>> list(int limit) {
        return jobs.newest(limit)
                .onItem().transformToMulti(all -> Multi.createFrom().iterable(all))
                .onItem().transformToUniAndConcatenate(job -> progress(job).map(p -> view(job, p, null)))
                .collect().asList();
    }

    /** Pauses a job in dry run or running: no new tasks start; running ones finish. */
    public Uni<JobView> pause(UUID id) {
        return jobs.pause(id).chain(done -> done ? get(id, false) : invalid(id, "paused"));
    }

    public Uni<JobView> resume(UUID id) {
        return jobs.resume(id).chain(done -> done ? get(id, false) : invalid(id, "resumed"));
    }

    /** Cancels an unfinished job: tasks not started are skipped; tenants stay at the version they reached. */
    public Uni<JobView> cancel(UUID id) {
        return jobs.cancel(id).chain(done -> done ? get(id, false) : invalid(id, "CANCELLED"));
    }

    /** Runs the failed apply tasks of a halted or failed job again (after the cause was fixed). */
    public Uni<JobView> retry(UUID id) {
        return jobs.retry(id).chain(done -> done ? get(id, false) : invalid(id, "RUNNING again"));
    }

    private Uni<JobView> invalid(UUID id, String to) {
        return get(id, false).map(job -> {
            throw ProblemException.conflict("invalid_state", "A job that is " + job.state() + " cannot be " + to + ".");
        });
    }

    private Uni<JobView.Progress> progress(MigrationJob job) {
        return jobs.counts(job.id).map(counts -> progress(counts, job.concurrency));
    }

    private static JobView.Progress progress(List<JobStore.TaskCount> counts, int concurrency) {
        Map<String, Long> dry = new LinkedHashMap<>();
        Map<String, Long> apply = new LinkedHashMap<>();
        double avgSeconds = 0;
        for (JobStore.TaskCount c : counts) {
            Phase phase = c.phase();
            (phase == Phase.DRY_RUN ? dry : apply).put(c.state().name(), c.tasks());
            if (phase == Phase.APPLY && c.avgSeconds() != null) {
                avgSeconds = c.avgSeconds();
            }
        }
        long total = dry.values().stream().mapToLong(Long::longValue).sum() + apply.values().stream().mapToLong(Long::longValue).sum();
        long left = unfinished(apply);
        long done = total - unfinished(dry) - left;
        Long eta = avgSeconds > 0 ? Math.round(avgSeconds * left / Math.max(1, concurrency)) : null;
        return new JobView.Progress(dry, apply, total == 0 ? 100.0 : Math.round(1000.0 * done / total) / 10.0, eta);
    }

    /** Tasks of one phase, counted by state, that have not finished. */
    private static long unfinished(Map<String, Long> byState) {
        return byState.getOrDefault(TaskState.PENDING.name(), 0L) + byState.getOrDefault(TaskState.RUNNING.name(), 0L);
    }

    private static JobView.TaskView taskView(JobStore.TaskOfTenant row) {
        MigrationTask t = row.task();
        Long durationMs = t.startedAt == null || t.finishedAt == null ? null
                : Math.round(Duration.between(t.startedAt, t.finishedAt).toNanos() / 1e6);
        return new JobView.TaskView(t.tenantId, row.slug(), t.phase.wireName(), t.wave, t.state.name(), t.fromVersion, t.toVersion,
                durationMs, t.error, t.backupArchive);
    }

    private static JobView view(MigrationJob j, JobView.Progress progress, List<JobView.TaskView> tasks) {
        return new JobView(j.id, j.changelog.wireName(), j.direction, j.target, j.state.name(), j.dryRunOnly, j.concurrency, j.canary,
                j.currentWave, j.onError.wireName(), j.maxFailures, j.backup, j.reason, j.createdBy, j.createdAt, j.updatedAt, j.finishedAt,
                progress, tasks);
    }
}
