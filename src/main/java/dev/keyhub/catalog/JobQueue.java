package dev.keyhub.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Migration jobs and tasks as the migration runner works through them: over JDBC, on the runner's own threads,
 * because the work in between (Liquibase) is blocking. Claims, outcomes and the freeze of a tenant under an
 * apply task are single statements with {@code FOR UPDATE SKIP LOCKED}, so several replicas share the queue
 * without coordinating. {@link JobStore} is the same aggregate as platform admins see it.
 */
@ApplicationScoped
public class JobQueue {

    private static final String HEARTBEAT = """
            UPDATE migration_tasks SET claimed_at = now() WHERE claimed_by = ? AND state = 'RUNNING'""";

    /** Tasks of a replica that stopped reporting go back to the queue; their tenants take writes again. */
    private static final String REQUEUE_STALE = """
            WITH stale AS (
                UPDATE migration_tasks SET state = 'PENDING', claimed_by = NULL
                WHERE state = 'RUNNING' AND claimed_at < now() - ? * interval '1 millisecond' RETURNING tenant_id)
            UPDATE tenants SET frozen_for = NULL WHERE id IN (SELECT tenant_id FROM stale) AND frozen_for = 'MIGRATION'""";

    private static final String HANDING_OUT = """
            SELECT id FROM migration_jobs WHERE state IN ('DRY_RUN', 'RUNNING') ORDER BY created_at""";

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

    private static final String LOCK_JOB = """
            SELECT id, state, changelog, direction, target, dry_run_only, on_error, max_failures, current_wave,
                   selector IS NOT NULL AS selective, concurrency
            FROM migration_jobs WHERE id = ? AND state IN ('DRY_RUN', 'RUNNING') FOR UPDATE SKIP LOCKED""";

    /** Tasks of a job in one phase and state; {@code %s} is the state's name, so the partial indexes apply. */
    private static final String COUNT = """
            SELECT count(*) AS n FROM migration_tasks WHERE job_id = ? AND phase = ? AND state = '%s'""";
    private static final String COUNT_PENDING_IN_WAVE = """
            SELECT count(*) AS n FROM migration_tasks
            WHERE job_id = ? AND phase = 'apply' AND state = 'PENDING' AND wave = ?""";
    private static final String NEXT_WAVE = """
            SELECT min(wave) AS wave FROM migration_tasks WHERE job_id = ? AND phase = 'apply' AND state = 'PENDING'""";
    private static final String START_APPLY = """
            UPDATE migration_jobs SET state = 'RUNNING', current_wave = coalesce((SELECT min(wave) FROM migration_tasks
                WHERE job_id = ? AND phase = 'apply' AND state = 'PENDING'), 0)
            WHERE id = ?""";
    private static final String SET_WAVE = "UPDATE migration_jobs SET current_wave = ? WHERE id = ?";

    /** Tenants still behind the target (for instance created from the old template early in the job). */
    private static final String CATCH_UP = """
            INSERT INTO migration_tasks (job_id, tenant_id, phase, wave, state)
            SELECT ?, id, 'apply', ?, 'PENDING' FROM tenants
            WHERE status IN ('ACTIVE', 'SUSPENDED')
              AND CASE ? WHEN 'product' THEN product_version ELSE schema_version END IS DISTINCT FROM ?
            ON CONFLICT DO NOTHING""";
    private static final String FINISH = "UPDATE migration_jobs SET state = ?, reason = ?, finished_at = now() WHERE id = ?";
    private static final String SKIP_PENDING = """
            UPDATE migration_tasks SET state = 'SKIPPED' WHERE job_id = ? AND state = 'PENDING'""";

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

    /**
     * What a claim statement returns for the tasks it claimed: where each tenant's database lives and what to
     * do to it. {@code claimed} is a CTE of the claimed tasks' id, job_id, tenant_id and phase.
     */
    private static final String CLAIMED_TASKS = "SELECT k.id AS task_id, k.job_id, k.tenant_id, k.phase, t.slug, "
            + "t.database_name, j.changelog, j.direction, j.target, j.backup, " + ServerStore.COLUMNS + """

            FROM claimed k JOIN tenants t ON t.id = k.tenant_id JOIN db_servers s ON s.id = t.db_server_id
            JOIN migration_jobs j ON j.id = k.job_id""";

    /** Pending tasks of the jobs handing them out, up to {@code ?} and to each job's concurrency. */
    private static final String CLAIM = """
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
            """ + CLAIM_PICKED + CLAIMED_TASKS;

    /**
     * A task's outcome; for an apply task, the tenant's version of the job's changelog ({@code coalesce}: null
     * keeps it) and the end of
     * its write freeze; and the claim of the job's next task of the same phase and wave, unless the task failed
     * or the phase has an apply failure (the ticker weighs failures first).
     */
    private static final String DONE = """
            WITH done AS (
                UPDATE migration_tasks SET state = ?, from_version = coalesce(?, from_version),
                       to_version = ?, error = ?, finished_at = now()
                WHERE id = ? AND claimed_by = ? RETURNING tenant_id, phase),
            thawed AS (
                UPDATE tenants SET frozen_for = nullif(frozen_for, 'MIGRATION'),
                       schema_version = CASE ? WHEN 'keyhub' THEN coalesce(?, schema_version) ELSE schema_version END,
                       product_version = CASE ? WHEN 'product' THEN coalesce(?, product_version) ELSE product_version END
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
            """ + CLAIM_PICKED + CLAIMED_TASKS;

    private final DataSource catalog;

    public JobQueue(DataSource catalog) {
        this.catalog = catalog;
    }

    /** A job as the runner steers it; {@code selective} when it covers chosen tenants rather than all. */
    public record Job(UUID id, JobState state, Changelog changelog, String direction, String target, boolean dryRunOnly, ErrorPolicy onError,
            int maxFailures, int wave, boolean selective, int concurrency) {
    }

    /** A claimed task with everything needed to run it. */
    public record Task(UUID id, UUID job, UUID tenant, Phase phase, String slug, String database, DbServer server,
            Changelog changelog, String direction, String target, boolean backup) {
    }

    /** Names the archive taken of the task's tenant before it was changed. */
    public void recordBackup(Task task, String archive) throws SQLException {
        try (Connection c = catalog.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE migration_tasks SET backup_archive = ? WHERE id = ?")) {
            ps.setString(1, archive);
            ps.setObject(2, task.id());
            ps.executeUpdate();
        }
    }

    /** Keeps the tasks this replica runs from looking abandoned. */
    public void heartbeat(String instance) throws SQLException {
        update(HEARTBEAT, instance);
    }

    /** Puts tasks not reported on for {@code staleAfter} back in the queue and lets their tenants take writes. */
    public void requeueStale(Duration staleAfter) throws SQLException {
        update(REQUEUE_STALE, staleAfter.toMillis());
    }

    /** The jobs in dry run or running, oldest first. */
    public List<UUID> handingOut() throws SQLException {
        List<UUID> jobs = new ArrayList<>();
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(HANDING_OUT);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                jobs.add(rs.getObject("id", UUID.class));
            }
        }
        return jobs;
    }

    /** Work on a job while its row is locked. */
    public interface Steering {
        void steer(LockedJob job) throws SQLException;
    }

    /**
     * Runs {@code steering} on the job in one transaction holding its row lock, if its current phase or wave may
     * be over and no other replica holds the lock; does nothing otherwise. Rolled back if {@code steering} throws.
     */
    public void advance(UUID id, Steering steering) throws SQLException {
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
                Job job = lock(c, id);
                if (job != null) {
                    steering.steer(new LockedJob(c, job));
                }
                return null;
            });
        }
    }

    private static Job lock(Connection c, UUID id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LOCK_JOB)) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new Job(id, JobState.valueOf(rs.getString("state")), Changelog.fromWire(rs.getString("changelog")),
                        rs.getString("direction"),
                        rs.getString("target"), rs.getBoolean("dry_run_only"), ErrorPolicy.fromWire(rs.getString("on_error")),
                        rs.getInt("max_failures"), rs.getInt("current_wave"), rs.getBoolean("selective"),
                        rs.getInt("concurrency"));
            }
        }
    }

    /** A job whose row is locked, with the statements that move it on, all in the lock's transaction. */
    public static final class LockedJob {

        private final Connection c;
        private final Job job;

        private LockedJob(Connection c, Job job) {
            this.c = c;
            this.job = job;
        }

        public Job job() {
            return job;
        }

        /** How many of the job's tasks of this phase are in this state. */
        public long tasks(Phase phase, TaskState state) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(COUNT.formatted(state.name()))) {
                ps.setObject(1, job.id());
                ps.setString(2, phase.wireName());
                return count(ps);
            }
        }

        /** How many apply tasks of this wave are pending. */
        public long pendingInWave(int wave) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(COUNT_PENDING_IN_WAVE)) {
                ps.setObject(1, job.id());
                ps.setInt(2, wave);
                return count(ps);
            }
        }

        /** The first wave with pending apply tasks, or null. */
        public Integer nextWave() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(NEXT_WAVE)) {
                ps.setObject(1, job.id());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int wave = rs.getInt("wave");
                    return rs.wasNull() ? null : wave;
                }
            }
        }

        /** Servers whose templates move to the job's target before the first tenant does. */
        public List<DbServer> activeServers() throws SQLException {
            return ServerStore.active(c);
        }

        /** Records the release of the job's changelog that a server's template is now at. */
        public void recordTemplateVersion(String serverId, String version) throws SQLException {
            ServerStore.recordTemplateVersion(c, serverId, job.changelog(), version);
        }

        /** Ends the dry run: the job is RUNNING, at its first wave with pending tasks. */
        public void startApply() throws SQLException {
            execute(c, START_APPLY, job.id(), job.id());
        }

        public void moveToWave(int wave) throws SQLException {
            execute(c, SET_WAVE, wave, job.id());
        }

        /** Adds apply tasks, in the wave after the current one, for active tenants not at the target; how many. */
        public int catchUp() throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(CATCH_UP)) {
                ps.setObject(1, job.id());
                ps.setInt(2, job.wave() + 1);
                ps.setString(3, job.changelog().wireName());
                ps.setString(4, job.target());
                return ps.executeUpdate();
            }
        }

        /** Ends the job in {@code state}; tasks not started are skipped, except when it halts (a retry runs them). */
        public void finish(JobState state, String reason) throws SQLException {
            execute(c, FINISH, state.name(), reason, job.id());
            if (state != JobState.HALTED) {
                execute(c, SKIP_PENDING, job.id());
            }
        }
    }

    /**
     * Claims up to {@code free} pending tasks for {@code instance} in one statement, which also marks the tenants
     * of apply tasks as migrating (they refuse writes from now on) and returns where each database lives.
     */
    public List<Task> claim(String instance, int free) throws SQLException {
        try (Connection c = catalog.getConnection(); PreparedStatement ps = c.prepareStatement(CLAIM)) {
            ps.setInt(1, free);
            ps.setString(2, instance);
            try (ResultSet rs = ps.executeQuery()) {
                return tasks(rs);
            }
        }
    }

    /**
     * Records a task's outcome, and for an apply task the tenant's version ({@code to}; null keeps the recorded
     * one) and the end of its write freeze, and claims the job's next task of the same phase and wave, all in one
     * statement; answers that task, or null.
     */
    public Task done(Task task, String instance, TaskState state, String from, String to, String error)
            throws SQLException {
        List<Task> next;
        try (Connection c = catalog.getConnection()) {
            next = inTransaction(c, () -> {
                if (task.phase() == Phase.DRY_RUN) {
                    // A dry run's outcome, and the claim of the next dry run, need not wait for their own disk flush:
                    // if the catalog server crashed first, the task would be found stale and dry-run again, changing
                    // nothing. (A claim of an apply task freezes a tenant, so apply outcomes are durable.)
                    execute(c, "SET LOCAL synchronous_commit TO off");
                }
                try (PreparedStatement ps = c.prepareStatement(DONE)) {
                    ps.setString(1, state.name());
                    ps.setString(2, from);
                    ps.setString(3, to);
                    ps.setString(4, error);
                    ps.setObject(5, task.id());
                    ps.setString(6, instance);
                    ps.setString(7, task.changelog().wireName());
                    ps.setString(8, to);
                    ps.setString(9, task.changelog().wireName());
                    ps.setString(10, to);
                    ps.setObject(11, task.job());
                    ps.setBoolean(12, state == TaskState.SUCCEEDED);
                    ps.setString(13, instance);
                    try (ResultSet rs = ps.executeQuery()) {
                        return tasks(rs);
                    }
                }
            });
        }
        return next.isEmpty() ? null : next.get(0);
    }

    private static List<Task> tasks(ResultSet rs) throws SQLException {
        List<Task> tasks = new ArrayList<>();
        while (rs.next()) {
            tasks.add(new Task(rs.getObject("task_id", UUID.class), rs.getObject("job_id", UUID.class),
                    rs.getObject("tenant_id", UUID.class), Phase.fromWire(rs.getString("phase")), rs.getString("slug"),
                    rs.getString("database_name"), ServerStore.server(rs), Changelog.fromWire(rs.getString("changelog")),
                    rs.getString("direction"),
                    rs.getString("target"), rs.getBoolean("backup")));
        }
        return tasks;
    }

    private interface Query<T> {
        T run() throws SQLException;
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

    private static long count(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong("n");
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
