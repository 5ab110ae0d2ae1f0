package dev.keyhub.catalog;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.common.ProblemException;

/**
 * Migration jobs and their tasks, as platform admins create and steer them. Reads and state changes go through
 * Hibernate Reactive ({@link MigrationJob}, {@link MigrationTask}). Two statements stay SQL because the ORM
 * cannot say them: creating a job (a table lock, then one insert of every selected tenant's tasks in waves)
 * and counting tasks with the mean duration of the finished ones. {@link JobQueue} is the same aggregate as the
 * migration runner works through it.
 */
@ApplicationScoped
public class JobStore implements PanacheRepositoryBase<MigrationJob, UUID> {

    private static final String LOCK = "LOCK TABLE migration_jobs IN SHARE ROW EXCLUSIVE MODE";
    private static final String UNFINISHED = """
            SELECT id FROM migration_jobs WHERE state IN ('DRY_RUN', 'RUNNING', 'PAUSED') LIMIT 1""";
    private static final String INSERT_JOB = """
            INSERT INTO migration_jobs (id, direction, target, state, dry_run_only, concurrency, canary, on_error,
                                        max_failures, selector, created_by, changelog, backup)
            VALUES ($1, $2, $3, 'DRY_RUN', $4, $5, $6, $7, $8, $9, $10, $11, $12)""";
    /**
     * A dry-run task (wave 0) and an apply task for every selected tenant not at the target release of changelog
     * $7; the first $6 apply in wave 1.
     */
    private static final String INSERT_TASKS = """
            WITH t AS (
                SELECT id, row_number() OVER (ORDER BY created_at, id) AS n FROM tenants
                WHERE status IN ('ACTIVE', 'SUSPENDED')
                  AND CASE $7 WHEN 'product' THEN product_version ELSE schema_version END IS DISTINCT FROM $2
                  AND ($3 OR id = ANY($4) OR slug = ANY($5)))
            INSERT INTO migration_tasks (job_id, tenant_id, phase, wave, state)
            SELECT $1::uuid, id, 'dry_run', 0, 'PENDING' FROM t
            UNION ALL SELECT $1::uuid, id, 'apply', CASE WHEN n <= $6::int THEN 1 ELSE 2 END, 'PENDING' FROM t""";
    private static final String COUNTS = """
            SELECT phase, state, count(*) AS tasks,
                   avg(extract(epoch FROM finished_at - started_at)) FILTER (WHERE state = 'SUCCEEDED') AS avg_seconds
            FROM migration_tasks WHERE job_id = $1 GROUP BY phase, state""";

    private static final List<JobState> HANDING_OUT = List.of(JobState.DRY_RUN, JobState.RUNNING);
    private static final List<JobState> UNFINISHED_STATES = List.of(JobState.DRY_RUN, JobState.RUNNING, JobState.PAUSED);
    private static final List<JobState> RETRYABLE = List.of(JobState.HALTED, JobState.FAILED);

    private final Pool catalog;

    public JobStore(Pool catalog) {
        this.catalog = catalog;
    }

    /** A job to create; {@code selector} is null when every tenant is selected. */
    public record NewJob(UUID id, Changelog changelog, String direction, String target, boolean dryRunOnly, int concurrency, int canary,
            ErrorPolicy onError, int maxFailures, JsonObject selector, String createdBy, boolean backup) {
    }

    /** The tenants a job covers: all of them, or those with one of these ids or slugs. */
    public record Selection(boolean all, List<UUID> ids, List<String> slugs) {
    }

    /**
     * Records a job in state DRY_RUN with its tasks. Fails with 409 {@code migration_in_progress} while another
     * job is unfinished: one job runs at a time.
     */
    public Uni<Void> create(NewJob job, Selection tenants) {
        return catalog.withTransaction(tx -> tx.query(LOCK).execute()
                .chain(() -> tx.query(UNFINISHED).execute())
                .chain(active -> {
                    if (active.size() > 0) {
                        throw ProblemException.conflict("migration_in_progress", "Migration job "
                                + active.iterator().next().getUUID("id") + " is not finished; one job runs at a time.");
                    }
                    return tx.preparedQuery(INSERT_JOB).execute(Tuple.tuple(Arrays.asList(job.id(), job.direction(),
                            job.target(), job.dryRunOnly(), job.concurrency(), job.canary(), job.onError().wireName(),
                            job.maxFailures(), job.selector(), job.createdBy(), job.changelog().wireName(), job.backup())));
                })
                .chain(() -> tx.preparedQuery(INSERT_TASKS).execute(Tuple.tuple(Arrays.asList(job.id(), job.target(),
                        tenants.all(), tenants.ids().toArray(new UUID[0]), tenants.slugs().toArray(new String[0]),
                        job.canary(), job.changelog().wireName())))))
                .replaceWithVoid();
    }

    @WithSession
    public Uni<MigrationJob> find(UUID id) {
        return findById(id);
    }

    /** The newest jobs first. */
    @WithSession
    public Uni<List<MigrationJob>> newest(int limit) {
        return findAll(Sort.descending("createdAt")).range(0, limit - 1).list();
    }

    /** How many of a job's tasks are in each phase and state; {@code avgSeconds} over the succeeded ones. */
    public record TaskCount(Phase phase, TaskState state, long tasks, Double avgSeconds) {
    }

    public Uni<List<TaskCount>> counts(UUID job) {
        return catalog.preparedQuery(COUNTS).execute(Tuple.of(job)).map(rows -> {
            List<TaskCount> out = new ArrayList<>();
            for (Row r : rows) {
                Number avg = (Number) r.getValue("avg_seconds");
                out.add(new TaskCount(Phase.fromWire(r.getString("phase")), TaskState.valueOf(r.getString("state")), r.getLong("tasks"),
                        avg == null ? null : avg.doubleValue()));
            }
            return out;
        });
    }

    /** A task with the slug of its tenant. */
    public record TaskOfTenant(MigrationTask task, String slug) {
    }

    /** A job's tasks, dry run before apply, by wave and slug. */
    @WithSession
    public Uni<List<TaskOfTenant>> tasks(UUID job) {
        return getSession().chain(session -> session.createSelectionQuery("""
                select t, n.slug from MigrationTask t, Tenant n
                where n.id = t.tenantId and t.jobId = :job
                order by t.phase desc, t.wave, n.slug""", Object[].class).setParameter("job", job).getResultList())
                .map(rows -> rows.stream().map(r -> new TaskOfTenant((MigrationTask) r[0], (String) r[1])).toList());
    }

    /** Pauses a job in dry run or running; false when it is in neither state. */
    @WithTransaction
    public Uni<Boolean> pause(UUID id) {
        return update("pausedFrom = state, state = ?2 where id = ?1 and state in ?3", id, JobState.PAUSED, HANDING_OUT)
                .map(n -> n > 0);
    }

    /** Resumes a paused job in the state it was paused from; false when it is not paused. */
    @WithTransaction
    public Uni<Boolean> resume(UUID id) {
        return update("state = pausedFrom, pausedFrom = null where id = ?1 and state = ?2", id, JobState.PAUSED)
                .map(n -> n > 0);
    }

    /** Cancels an unfinished job and skips its tasks not started; false when it has finished. */
    @WithTransaction
    public Uni<Boolean> cancel(UUID id) {
        return update("state = ?2, finishedAt = ?3, reason = 'cancelled' where id = ?1 and state in ?4", id,
                JobState.CANCELLED, OffsetDateTime.now(), UNFINISHED_STATES)
                .chain(n -> n == 0 ? Uni.createFrom().item(false)
                        : tasksWhere("state = :to where jobId = :job and state = :from", id, TaskState.SKIPPED, null,
                                TaskState.PENDING).replaceWith(true));
    }

    /** Runs the failed apply tasks of a halted or failed job again; false when it has none or is in another state. */
    @WithTransaction
    public Uni<Boolean> retry(UUID id) {
        return update("state = ?2, reason = null, finishedAt = null where id = ?1 and state in ?3 and exists "
                + "(select 1 from MigrationTask t where t.jobId = ?1 and t.phase = ?4 and t.state = ?5)", id,
                JobState.RUNNING, RETRYABLE, Phase.APPLY, TaskState.FAILED)
                .chain(n -> n == 0 ? Uni.createFrom().item(false)
                        : tasksWhere("state = :to, error = null, claimedBy = null "
                                + "where jobId = :job and phase = :phase and state = :from", id, TaskState.PENDING,
                                Phase.APPLY, TaskState.FAILED).replaceWith(true));
    }

    /** Moves a job's tasks in state {@code from} (and {@code phase}, unless null) to state {@code to}. */
    private Uni<Integer> tasksWhere(String setAndWhere, UUID job, TaskState to, Phase phase, TaskState from) {
        return getSession().chain(session -> {
            var update = session.createMutationQuery("update MigrationTask set " + setAndWhere)
                    .setParameter("job", job).setParameter("to", to).setParameter("from", from);
            return (phase == null ? update : update.setParameter("phase", phase)).executeUpdate();
        });
    }
}
