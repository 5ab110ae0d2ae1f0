package dev.keyhub.migration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.common.ProblemException;
import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.schema.TenantSchema;

/**
 * Creates and steers migration jobs; {@link MigrationRunner} does the work. A job targets the tenants whose
 * recorded schema version differs from the target, so a job with nothing to apply finishes at once without
 * opening any tenant database. One job runs at a time.
 */
@ApplicationScoped
public class MigrationService {

    static final String JOB_COLUMNS = "id, direction, target, state, dry_run_only, concurrency, canary, current_wave, "
            + "on_error, max_failures, reason, created_by, created_at, updated_at, finished_at";

    private final Pool catalog;
    private final TenantSchema schema;

    public MigrationService(Pool catalog, TenantSchema schema) {
        this.catalog = catalog;
        this.schema = schema;
    }

    /** Creates a job (202); 400 for an unknown target, 409 while another job is unfinished. */
    public Uni<JobView> create(MigrationRequest request, String actor) {
        List<String> tags = schema.tags();
        String target = request.target() == null || "latest".equals(request.target()) ? schema.latest() : request.target();
        if (!tags.contains(target)) {
            return Uni.createFrom().failure(ProblemException.badRequest("unknown_target",
                    "No release '" + target + "' in the tenant changelog; releases: " + String.join(", ", tags)));
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
        return catalog.withTransaction(tx -> tx.query("LOCK TABLE migration_jobs IN SHARE ROW EXCLUSIVE MODE").execute()
                .chain(() -> tx.query("SELECT id FROM migration_jobs WHERE state IN ('DRY_RUN', 'RUNNING', 'PAUSED')")
                        .execute())
                .chain(active -> {
                    if (active.size() > 0) {
                        throw ProblemException.conflict("migration_in_progress", "Migration job "
                                + active.iterator().next().getUUID("id") + " is not finished; one job runs at a time.");
                    }
                    return tx.preparedQuery("INSERT INTO migration_jobs (id, direction, target, state, dry_run_only, "
                            + "concurrency, canary, on_error, max_failures, selector, created_by) "
                            + "VALUES ($1, $2, $3, 'DRY_RUN', $4, $5, $6, $7, $8, $9, $10)")
                            .execute(Tuple.tuple(Arrays.asList(id, direction.wireName(), target, dryRunOnly, concurrency,
                                    canary, onError.wireName(), maxFailures, selector, actor)));
                })
                .chain(() -> tasks(tx, id, target, all, ids, slugs, canary)))
                .chain(() -> get(id, false));
    }

    /** Dry-run and apply tasks for every selected tenant not at the target; the first {@code canary} form wave 1. */
    private static Uni<Void> tasks(SqlConnection tx, UUID job, String target, boolean all, List<UUID> ids,
            List<String> slugs, int canary) {
        String targets = """
                SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM tenants
                WHERE status IN ('ACTIVE', 'SUSPENDED') AND schema_version IS DISTINCT FROM $2
                  AND ($3 OR id = ANY($4) OR slug = ANY($5))""";
        return tx.preparedQuery("WITH t AS (" + targets + ") INSERT INTO migration_tasks (job_id, tenant_id, phase, wave, state) "
                + "SELECT $1::uuid, id, 'dry_run', 0, 'PENDING' FROM t "
                + "UNION ALL SELECT $1::uuid, id, 'apply', CASE WHEN n <= $6::int THEN 1 ELSE 2 END, 'PENDING' FROM t")
                .execute(Tuple.tuple(Arrays.asList(job, target, all, ids.toArray(new UUID[0]), slugs.toArray(new String[0]),
                        canary)))
                .replaceWithVoid();
    }

    /** One job with its progress and, if asked, its tasks; 404 {@code migration_not_found}. */
    public Uni<JobView> get(UUID id, boolean withTasks) {
        return catalog.preparedQuery("SELECT " + JOB_COLUMNS + " FROM migration_jobs WHERE id = $1").execute(Tuple.of(id))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("migration_not_found", "No migration job " + id + ".");
                    }
                    Row job = rows.iterator().next();
                    return progress(id, job.getInteger("concurrency"))
                            .chain(progress -> withTasks ? taskViews(id).map(tasks -> view(job, progress, tasks))
                                    : Uni.createFrom().item(view(job, progress, null)));
                });
    }

    /** The newest jobs first, without tasks. */
    public Uni<List<JobView>> list(int limit) {
        return catalog.preparedQuery("SELECT " + JOB_COLUMNS + " FROM migration_jobs ORDER BY created_at DESC LIMIT $1")
                .execute(Tuple.of(limit))
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(job -> progress(job.getUUID("id"), job.getInteger("concurrency"))
                        .map(p -> view(job, p, null)))
                .collect().asList();
    }

    /** Pauses a job in dry run or running: no new tasks start; running ones finish. */
    public Uni<JobView> pause(UUID id) {
        return change(id, "UPDATE migration_jobs SET paused_from = state, state = 'PAUSED' "
                + "WHERE id = $1 AND state IN ('DRY_RUN', 'RUNNING')", "paused");
    }

    public Uni<JobView> resume(UUID id) {
        return change(id, "UPDATE migration_jobs SET state = paused_from, paused_from = NULL "
                + "WHERE id = $1 AND state = 'PAUSED'", null);
    }

    /** Cancels an unfinished job: tasks not started are skipped; tenants stay at the version they reached. */
    public Uni<JobView> cancel(UUID id) {
        return catalog.withTransaction(tx -> tx.preparedQuery("UPDATE migration_jobs SET state = 'CANCELLED', "
                + "finished_at = now(), reason = 'cancelled' WHERE id = $1 AND state IN ('DRY_RUN', 'RUNNING', 'PAUSED')")
                .execute(Tuple.of(id))
                .call(rows -> rows.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("UPDATE migration_tasks SET state = 'SKIPPED' WHERE job_id = $1 AND state = 'PENDING'")
                                .execute(Tuple.of(id)).replaceWithVoid()))
                .chain(rows -> rows.rowCount() == 0 ? invalid(id, "CANCELLED") : get(id, false));
    }

    /** Runs the failed apply tasks of a halted or failed job again (after the cause was fixed). */
    public Uni<JobView> retry(UUID id) {
        return catalog.withTransaction(tx -> tx.preparedQuery("UPDATE migration_jobs SET state = 'RUNNING', reason = NULL, "
                + "finished_at = NULL WHERE id = $1 AND state IN ('HALTED', 'FAILED') "
                + "AND EXISTS (SELECT 1 FROM migration_tasks WHERE job_id = $1 AND phase = 'apply' AND state = 'FAILED')")
                .execute(Tuple.of(id))
                .call(rows -> rows.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("UPDATE migration_tasks SET state = 'PENDING', error = NULL, claimed_by = NULL "
                                + "WHERE job_id = $1 AND phase = 'apply' AND state = 'FAILED'").execute(Tuple.of(id))
                                .replaceWithVoid()))
                .chain(rows -> rows.rowCount() == 0 ? invalid(id, "RUNNING again") : get(id, false));
    }

    private Uni<JobView> change(UUID id, String sql, String to) {
        return catalog.preparedQuery(sql).execute(Tuple.of(id))
                .chain(rows -> rows.rowCount() == 0 ? invalid(id, to == null ? "resumed" : to) : get(id, false));
    }

    private Uni<JobView> invalid(UUID id, String to) {
        return get(id, false).map(job -> {
            throw ProblemException.conflict("invalid_state", "A job that is " + job.state() + " cannot be " + to + ".");
        });
    }

    private Uni<JobView.Progress> progress(UUID id, int concurrency) {
        return catalog.preparedQuery("""
                SELECT phase, state, count(*) AS tasks,
                       avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE state = 'SUCCEEDED') AS avg_seconds
                FROM migration_tasks WHERE job_id = $1 GROUP BY phase, state""").execute(Tuple.of(id))
                .map(rows -> progress(rows, concurrency));
    }

    private static JobView.Progress progress(RowSet<Row> rows, int concurrency) {
        Map<String, Long> dry = new LinkedHashMap<>();
        Map<String, Long> apply = new LinkedHashMap<>();
        double avgSeconds = 0;
        for (Row r : rows) {
            Phase phase = Phase.fromWire(r.getString("phase"));
            (phase == Phase.DRY_RUN ? dry : apply).put(r.getString("state"), r.getLong("tasks"));
            if (phase == Phase.APPLY && r.getValue("avg_seconds") != null) {
                avgSeconds = ((Number) r.getValue("avg_seconds")).doubleValue();
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

    private Uni<List<JobView.TaskView>> taskViews(UUID id) {
        return catalog.preparedQuery("""
                SELECT t.tenant_id, n.slug, t.phase, t.wave, t.state, t.from_version, t.to_version,
                       (extract(epoch FROM t.finished_at - t.started_at) * 1000)::bigint AS duration_ms, t.error
                FROM migration_tasks t JOIN tenants n ON n.id = t.tenant_id
                WHERE t.job_id = $1 ORDER BY t.phase DESC, t.wave, n.slug""").execute(Tuple.of(id))
                .map(rows -> {
                    List<JobView.TaskView> out = new ArrayList<>();
                    for (Row r : rows) {
                        out.add(new JobView.TaskView(r.getUUID("tenant_id"), r.getString("slug"), r.getString("phase"),
                                r.getInteger("wave"), r.getString("state"), r.getString("from_version"),
                                r.getString("to_version"), r.getLong("duration_ms"), r.getString("error")));
                    }
                    return out;
                });
    }

    private static JobView view(Row r, JobView.Progress progress, List<JobView.TaskView> tasks) {
        return new JobView(r.getUUID("id"), r.getString("direction"), r.getString("target"), r.getString("state"),
                r.getBoolean("dry_run_only"), r.getInteger("concurrency"), r.getInteger("canary"),
                r.getInteger("current_wave"), r.getString("on_error"), r.getInteger("max_failures"), r.getString("reason"),
                r.getString("created_by"), r.getOffsetDateTime("created_at"), r.getOffsetDateTime("updated_at"),
                r.getOffsetDateTime("finished_at"), progress, tasks);
    }
}
