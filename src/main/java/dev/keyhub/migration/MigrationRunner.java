package dev.keyhub.migration;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.ServerStore;
import dev.keyhub.schema.TenantSchema.Direction;
import dev.keyhub.schema.TenantSchema;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.ServerAddress;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Executes migration jobs. Every replica runs one: each tick it keeps its running tasks alive, hands tasks
 * of a vanished replica back to the queue, advances jobs whose current phase is done (one replica at a time
 * per job, by {@code FOR UPDATE SKIP LOCKED} on the job row), and claims pending tasks for its workers with
 * {@code FOR UPDATE SKIP LOCKED}, so several replicas share the work and a restarted one carries on.
 * <p>
 * A job goes DRY_RUN → (template) → RUNNING wave by wave → SUCCEEDED, or FAILED (dry run failed, or some
 * tasks failed under {@code continue}), HALTED (failures passed the threshold), CANCELLED. The template of
 * every server moves to the target after the dry run passes and before the first tenant, so a tenant
 * created during the job starts at the target; a last wave catches up any tenant still behind.
 * Liquibase and the catalog are used over JDBC on the runner's own threads, never on an event loop.
 */
@ApplicationScoped
public class MigrationRunner {

    private static final Logger LOG = Logger.getLogger(MigrationRunner.class);

    private final DataSource catalog;
    private final DbServers servers;
    private final TenantSchema schema;
    private final TenantDirectory directory;
    private final MigrationsConfig config;
    private final String instance = UUID.randomUUID().toString();
    private final Set<UUID> running = ConcurrentHashMap.newKeySet();
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService heart;
    private ExecutorService workers;

    public MigrationRunner(DataSource catalog, DbServers servers, TenantSchema schema, TenantDirectory directory,
            MigrationsConfig config) {
        this.catalog = catalog;
        this.servers = servers;
        this.schema = schema;
        this.directory = directory;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        workers = Executors.newFixedThreadPool(config.workers(), r -> new Thread(r, "keyhub-migration"));
        ticker = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "keyhub-migration-ticker"));
        ticker.scheduleWithFixedDelay(this::tick, config.poll().toMillis(), config.poll().toMillis(), TimeUnit.MILLISECONDS);
        // Its own thread: a long step of the ticker (moving a large template) must not make running tasks look
        // abandoned to other replicas.
        heart = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "keyhub-migration-heartbeat"));
        long beat = Math.max(100, config.staleAfter().toMillis() / 4);
        heart.scheduleWithFixedDelay(() -> {
            try {
                heartbeat();
            } catch (SQLException | RuntimeException e) {
                LOG.warnf(e, "Migration heartbeat: %s", e.getMessage());
            }
        }, beat, beat, TimeUnit.MILLISECONDS);
    }

    void onStop(@Observes ShutdownEvent event) {
        ticker.shutdownNow();
        heart.shutdownNow();
        workers.shutdownNow();
    }

    void tick() {
        try {
            requeueStale();
            for (UUID job : activeJobs()) {
                advance(job);
            }
            claim();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Migration runner: %s", e.getMessage());
        }
    }

    private void heartbeat() throws SQLException {
        if (!running.isEmpty()) {
            update("UPDATE migration_tasks SET claimed_at = now() WHERE claimed_by = ? AND state = 'RUNNING'", instance);
        }
    }

    /** Tasks of a replica that stopped reporting go back to the queue, and their tenants take writes again. */
    private void requeueStale() throws SQLException {
        update("""
                WITH stale AS (
                    UPDATE migration_tasks SET state = 'PENDING', claimed_by = NULL
                    WHERE state = 'RUNNING' AND claimed_at < now() - ? * interval '1 millisecond' RETURNING tenant_id)
                UPDATE tenants SET frozen_for = NULL WHERE id IN (SELECT tenant_id FROM stale) AND frozen_for = 'MIGRATION'""",
                config.staleAfter().toMillis());
    }

    private List<UUID> activeJobs() throws SQLException {
        List<UUID> jobs = new ArrayList<>();
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT id FROM migration_jobs WHERE state IN ('DRY_RUN', 'RUNNING') ORDER BY created_at")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(rs.getObject("id", UUID.class));
                }
            }
        }
        return jobs;
    }

    private record Job(UUID id, JobState state, Direction direction, String target, boolean dryRunOnly, ErrorPolicy onError,
            int maxFailures, int wave, boolean selected, int concurrency) {
    }

    /**
     * Whether the job's current phase or wave may be over (or has failures to weigh), read without locking: a
     * row lock costs a durable commit, and most ticks find the phase still busy. Each question is one that the
     * partial indexes on pending, running and failed tasks answer without walking the job's other tasks.
     */
    private static final String MAY_ADVANCE = """
            SELECT j.state = 'DRY_RUN'
                   AND NOT EXISTS (SELECT 1 FROM migration_tasks t WHERE t.job_id = j.id AND t.phase = 'dry_run'
                       AND t.state = 'PENDING')
                   AND NOT EXISTS (SELECT 1 FROM migration_tasks t WHERE t.job_id = j.id AND t.phase = 'dry_run'
                       AND t.state = 'RUNNING')
                OR j.state = 'RUNNING' AND (EXISTS (SELECT 1 FROM migration_tasks t WHERE t.job_id = j.id
                       AND t.phase = 'apply' AND t.state = 'FAILED')
                    OR NOT EXISTS (SELECT 1 FROM migration_tasks t WHERE t.job_id = j.id AND t.phase = 'apply'
                       AND t.state = 'RUNNING')
                   AND NOT EXISTS (SELECT 1 FROM migration_tasks t WHERE t.job_id = j.id AND t.phase = 'apply'
                       AND t.state = 'PENDING' AND t.wave = j.current_wave)) AS may_advance
            FROM migration_jobs j WHERE j.id = ?""";

    private void advance(UUID id) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement(MAY_ADVANCE)) {
                ps.setObject(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean("may_advance")) {
                        return;
                    }
                }
            }
            inTransaction(c, () -> {
                Job job = lockJob(c, id);
                if (job != null) {
                    if (job.state() == JobState.DRY_RUN) {
                        afterDryRun(c, job);
                    } else {
                        afterWave(c, job);
                    }
                }
            });
        }
    }

    private interface Work {
        void run() throws SQLException;
    }

    private interface Query<T> {
        T run() throws SQLException;
    }

    /** Runs {@code work} in one transaction on {@code c}: committed if it returns, rolled back if it throws. */
    private static void inTransaction(Connection c, Work work) throws SQLException {
        inTransaction(c, () -> {
            work.run();
            return null;
        });
    }

    /** Runs {@code work} in one transaction on {@code c} and answers its result; rolled back if it throws. */
    private static <T> T inTransaction(Connection c, Query<T> work) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = work.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Job lockJob(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT state, direction, target, dry_run_only, on_error, max_failures, current_wave,
                       selector IS NOT NULL AS selective, concurrency
                FROM migration_jobs WHERE id = ? AND state IN ('DRY_RUN', 'RUNNING') FOR UPDATE SKIP LOCKED""")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Job(id, JobState.valueOf(rs.getString("state")), Direction.fromWire(rs.getString("direction")),
                        rs.getString("target"), rs.getBoolean("dry_run_only"), ErrorPolicy.fromWire(rs.getString("on_error")),
                        rs.getInt("max_failures"), rs.getInt("current_wave"), rs.getBoolean("selective"),
                        rs.getInt("concurrency"));
            }
        }
    }

    private void afterDryRun(Connection c, Job job) throws SQLException {
        if (count(c, job.id(), "phase = 'dry_run' AND state IN ('PENDING', 'RUNNING')") > 0) {
            return;
        }
        long failed = count(c, job.id(), "phase = 'dry_run' AND state = 'FAILED'");
        if (failed > 0) {
            finish(c, job.id(), JobState.FAILED, "The dry run failed on " + failed + " tenant(s); nothing was applied.");
            return;
        }
        if (job.dryRunOnly()) {
            finish(c, job.id(), JobState.SUCCEEDED, "The dry run passed on every tenant; nothing was applied (dryRun).");
            return;
        }
        try {
            moveTemplates(c, job);
        } catch (RuntimeException e) {
            finish(c, job.id(), JobState.FAILED, "The template could not be migrated; no tenant was changed: " + e.getMessage());
            return;
        }
        execute(c, "UPDATE migration_jobs SET state = 'RUNNING', current_wave = coalesce((SELECT min(wave) FROM migration_tasks "
                + "WHERE job_id = ? AND phase = 'apply' AND state = 'PENDING'), 0) WHERE id = ?", job.id(), job.id());
    }

    /** Dry-runs, then applies, the target on every active server's template, and records its version. */
    private void moveTemplates(Connection c, Job job) throws SQLException {
        List<DbServer> hosts = ServerStore.active(c);
        for (DbServer host : hosts) {
            ServerAddress address = servers.addressOf(host);
            schema.dryRun(address, host.templateDatabase, job.direction(), job.target());
        }
        for (DbServer host : hosts) {
            ServerAddress address = servers.addressOf(host);
            String version = schema.migrate(address, host.templateDatabase, job.direction(), job.target());
            ServerStore.recordTemplateVersion(c, host.id, version);
        }
    }

    private void afterWave(Connection c, Job job) throws SQLException {
        long failed = count(c, job.id(), "phase = 'apply' AND state = 'FAILED'");
        int allowed = job.onError().allowed(job.maxFailures());
        if (failed > allowed) {
            finish(c, job.id(), JobState.HALTED, failed + " task(s) failed (allowed: " + allowed + "); tenants not yet migrated were left at their version. Fix the cause and retry.");
            return;
        }
        if (count(c, job.id(), "phase = 'apply' AND state = 'RUNNING'") > 0
                || count(c, job.id(), "phase = 'apply' AND state = 'PENDING' AND wave = " + job.wave()) > 0) {
            return;
        }
        Integer next = nextWave(c, job.id());
        if (next != null) {
            execute(c, "UPDATE migration_jobs SET current_wave = ? WHERE id = ?", next, job.id());
            return;
        }
        if (!job.selected() && catchUp(c, job) > 0) {
            execute(c, "UPDATE migration_jobs SET current_wave = ? WHERE id = ?", job.wave() + 1, job.id());
            return;
        }
        finish(c, job.id(), failed > 0 ? JobState.FAILED : JobState.SUCCEEDED,
                failed > 0 ? failed + " task(s) failed; the other tenants are at " + job.target() + "." : null);
    }

    private static Integer nextWave(Connection c, UUID job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT min(wave) AS wave FROM migration_tasks WHERE job_id = ? AND phase = 'apply' AND state = 'PENDING'")) {
            ps.setObject(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                int wave = rs.getInt("wave");
                return rs.wasNull() ? null : wave;
            }
        }
    }

    /** Tenants still behind the target (for instance created from the old template early in the job). */
    private static int catchUp(Connection c, Job job) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO migration_tasks (job_id, tenant_id, phase, wave, state)
                SELECT ?, id, 'apply', ?, 'PENDING' FROM tenants
                WHERE status IN ('ACTIVE', 'SUSPENDED') AND schema_version IS DISTINCT FROM ?
                ON CONFLICT DO NOTHING""")) {
            ps.setObject(1, job.id());
            ps.setInt(2, job.wave() + 1);
            ps.setString(3, job.target());
            return ps.executeUpdate();
        }
    }

    private static void finish(Connection c, UUID job, JobState state, String reason) throws SQLException {
        execute(c, "UPDATE migration_jobs SET state = ?, reason = ?, finished_at = now() WHERE id = ?", state.name(), reason,
                job);
        if (state != JobState.HALTED) {
            execute(c, "UPDATE migration_tasks SET state = 'SKIPPED' WHERE job_id = ? AND state = 'PENDING'", job);
        }
    }

    /** A claimed task with everything needed to run it. */
    private record Task(UUID id, UUID job, UUID tenant, Phase phase, String slug, String database, DbServer server,
            Direction direction, String tag) {
    }

    /**
     * What a claim statement returns for the tasks it claimed: where each tenant's database lives and what to
     * do to it. {@code claimed} is a CTE of the claimed tasks' id, job_id, tenant_id and phase.
     */
    private static final String CLAIMED_TASKS = "SELECT k.id AS task_id, k.job_id, k.tenant_id, k.phase, t.slug, "
            + "t.database_name, j.direction, j.target, " + ServerStore.COLUMNS + """

            FROM claimed k JOIN tenants t ON t.id = k.tenant_id JOIN db_servers s ON s.id = t.db_server_id
            JOIN migration_jobs j ON j.id = k.job_id""";

    /** Marks the picked tasks as running here, and the tenants of apply tasks as migrating (refusing writes). */
    private static final String CLAIM_PICKED = """
            claimed AS (
                UPDATE migration_tasks SET state = 'RUNNING', claimed_by = ?, claimed_at = now(), started_at = now()
                WHERE id IN (SELECT id FROM pick)
                RETURNING id, job_id, tenant_id, phase),
            frozen AS (
                UPDATE tenants SET frozen_for = coalesce(frozen_for, 'MIGRATION')
                WHERE id IN (SELECT tenant_id FROM claimed WHERE phase = 'apply') RETURNING id)
            """;

    private static List<Task> tasks(ResultSet rs) throws SQLException {
        List<Task> tasks = new ArrayList<>();
        while (rs.next()) {
            DbServer s = ServerStore.server(rs);
            tasks.add(new Task(rs.getObject("task_id", UUID.class), rs.getObject("job_id", UUID.class),
                    rs.getObject("tenant_id", UUID.class), Phase.fromWire(rs.getString("phase")), rs.getString("slug"),
                    rs.getString("database_name"), s, Direction.fromWire(rs.getString("direction")), rs.getString("target")));
        }
        return tasks;
    }

    /**
     * Claims pending tasks for free workers in one statement, which also marks the tenants of apply tasks as
     * migrating (they refuse writes from now on) and returns where each database lives.
     */
    private void claim() throws SQLException {
        int free = config.workers() - running.size();
        if (free <= 0) {
            return;
        }
        List<Task> claimed;
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement("""
                WITH jobs AS (
                    SELECT j.id, j.state, j.current_wave,
                           j.concurrency - (SELECT count(*) FROM migration_tasks r WHERE r.job_id = j.id AND r.state = 'RUNNING')
                               AS room
                    FROM migration_jobs j WHERE j.state IN ('DRY_RUN', 'RUNNING')),
                pick AS (
                    SELECT t.id FROM migration_tasks t JOIN jobs ON jobs.id = t.job_id
                    WHERE t.state = 'PENDING' AND jobs.room > 0
                      AND ((jobs.state = 'DRY_RUN' AND t.phase = 'dry_run')
                        OR (jobs.state = 'RUNNING' AND t.phase = 'apply' AND t.wave = jobs.current_wave))
                    ORDER BY t.wave, t.id LIMIT (SELECT least(?, min(room)) FROM jobs)
                    FOR UPDATE OF t SKIP LOCKED),
                """ + CLAIM_PICKED + CLAIMED_TASKS)) {
            ps.setInt(1, free);
            ps.setString(2, instance);
            try (ResultSet rs = ps.executeQuery()) {
                claimed = tasks(rs);
            }
        }
        for (Task task : claimed) {
            running.add(task.id());
            workers.submit(() -> work(task));
        }
    }

    /**
     * Runs a claimed task, then the next ones of the same job and phase that it can claim in the statement
     * recording each outcome; when there are none (the phase or wave is over, or the job stopped), the ticker
     * moves the job on and hands out the next tasks at once rather than at its next tick.
     */
    private void work(Task first) {
        Task task = first;
        while (task != null) {
            Task next = null;
            try {
                next = run(task);
            } catch (SQLException | RuntimeException e) {
                LOG.warnf(e, "Migration task %s: %s", task.id(), e.getMessage());
            } finally {
                if (next != null) {
                    running.add(next.id());
                }
                running.remove(task.id());
            }
            task = next;
        }
        ticker.execute(this::tick);
    }

    /** Runs one task; answers the task claimed next in the same statement as this one's outcome, or null. */
    private Task run(Task task) throws SQLException {
        ServerAddress address = servers.addressOf(task.server());
        if (task.phase() == Phase.DRY_RUN) {
            try {
                schema.dryRun(address, task.database(), task.direction(), task.tag());
                return done(task, TaskState.SUCCEEDED, null, null, null);
            } catch (RuntimeException e) {
                return done(task, TaskState.FAILED, null, null, e.getMessage());
            }
        }
        // The claim marked the tenant as migrating; drop this replica's cached copy so writes stop at once.
        directory.forget(task.slug(), task.tenant()).await().indefinitely();
        try {
            TenantSchema.Outcome outcome = schema.apply(address, task.database(), task.direction(), task.tag());
            return done(task, TaskState.SUCCEEDED, outcome.from(), outcome.to(), null);
        } catch (TenantSchema.MigrationFailure e) {
            return done(task, TaskState.FAILED, e.from(), e.reached(), e.getMessage());
        } catch (RuntimeException e) {
            return done(task, TaskState.FAILED, null, null, e.getMessage());
        }
    }

    /**
     * Records a task's outcome, and for an apply task the tenant's version and the end of its write freeze, and
     * claims the job's next task of the same phase and wave, all in one statement. A null {@code to} leaves the
     * recorded version as it was. Nothing is claimed after a failure, nor in a phase that has seen an apply
     * failure: the ticker weighs failures first (a halting job must not start more tenants).
     */
    private Task done(Task task, TaskState state, String from, String to, String error) throws SQLException {
        boolean dryRun = task.phase() == Phase.DRY_RUN;
        List<Task> next;
        try (Connection c = catalog.getConnection()) {
            next = inTransaction(c, () -> {
                if (dryRun) {
                    // A dry run's outcome, and the claim of the next dry run, need not wait for their own disk flush:
                    // if the catalog server crashed first, the task would be found stale and dry-run again, changing
                    // nothing. (A claim of an apply task freezes a tenant, so apply outcomes are durable.)
                    execute(c, "SET LOCAL synchronous_commit TO off");
                }
                try (PreparedStatement ps = c.prepareStatement("""
                        WITH done AS (
                            UPDATE migration_tasks SET state = ?, from_version = coalesce(?, from_version),
                                   to_version = ?, error = ?, finished_at = now()
                            WHERE id = ? AND claimed_by = ? RETURNING tenant_id, phase),
                        thawed AS (
                            UPDATE tenants SET frozen_for = nullif(frozen_for, 'MIGRATION'),
                                   schema_version = coalesce(?, schema_version)
                            WHERE id IN (SELECT tenant_id FROM done WHERE phase = 'apply') RETURNING id),
                        pick AS (
                            SELECT t.id FROM migration_tasks t JOIN migration_jobs j ON j.id = t.job_id
                            WHERE t.job_id = ? AND t.state = 'PENDING' AND ? AND EXISTS (SELECT 1 FROM done)
                              AND ((j.state = 'DRY_RUN' AND t.phase = 'dry_run')
                                OR (j.state = 'RUNNING' AND t.phase = 'apply' AND t.wave = j.current_wave
                                    AND NOT EXISTS (SELECT 1 FROM migration_tasks f WHERE f.job_id = j.id
                                        AND f.phase = 'apply' AND f.state = 'FAILED')))
                            ORDER BY t.wave, t.id LIMIT 1
                            FOR UPDATE OF t SKIP LOCKED),
                        """ + CLAIM_PICKED + CLAIMED_TASKS)) {
                    ps.setString(1, state.name());
                    ps.setString(2, from);
                    ps.setString(3, to);
                    ps.setString(4, error);
                    ps.setObject(5, task.id());
                    ps.setString(6, instance);
                    ps.setString(7, to);
                    ps.setObject(8, task.job());
                    ps.setBoolean(9, state == TaskState.SUCCEEDED);
                    ps.setString(10, instance);
                    try (ResultSet rs = ps.executeQuery()) {
                        return tasks(rs);
                    }
                }
            });
        }
        if (!dryRun) {
            directory.forget(task.slug(), task.tenant()).await().indefinitely();
        }
        return next.isEmpty() ? null : next.get(0);
    }

    private static long count(Connection c, UUID job, String where) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) AS n FROM migration_tasks WHERE job_id = ? AND " + where)) {
            ps.setObject(1, job);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong("n");
            }
        }
    }

    private void update(String sql, Object... args) throws SQLException {
        try (Connection c = catalog.getConnection()) {
            execute(c, sql, args);
        }
    }

    private static void execute(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
