package dev.keyhub.migration;

import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

import dev.keyhub.catalog.DbServer;
import dev.keyhub.catalog.JobQueue;
import dev.keyhub.catalog.JobQueue.LockedJob;
import dev.keyhub.catalog.JobQueue.Task;
import dev.keyhub.catalog.JobState;
import dev.keyhub.catalog.Phase;
import dev.keyhub.catalog.TaskState;
import dev.keyhub.provisioning.TenantBackups;
import dev.keyhub.schema.TenantChangelog;
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
 * Liquibase and the catalog ({@link JobQueue}) are used over JDBC on the runner's own threads, never on an
 * event loop.
 */
@ApplicationScoped
public class MigrationRunner {

    private static final Logger LOG = Logger.getLogger(MigrationRunner.class);

    private final JobQueue queue;
    private final DbServers servers;
    private final TenantSchema schema;
    private final TenantDirectory directory;
    private final MigrationsConfig config;
    private final String instance = UUID.randomUUID().toString();
    private final Set<UUID> running = ConcurrentHashMap.newKeySet();
    private final TenantBackups backups;
    private final MeterRegistry registry;
    private ScheduledExecutorService ticker;
    private ScheduledExecutorService heart;
    private ExecutorService workers;

    public MigrationRunner(JobQueue queue, DbServers servers, TenantSchema schema, TenantDirectory directory,
            MigrationsConfig config, MeterRegistry registry, TenantBackups backups) {
        this.backups = backups;
        this.registry = registry;
        this.queue = queue;
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
            queue.requeueStale(config.staleAfter());
            for (UUID job : queue.handingOut()) {
                queue.advance(job, this::steer);
            }
            claim();
        } catch (SQLException | RuntimeException e) {
            LOG.warnf(e, "Migration runner: %s", e.getMessage());
        }
    }

    private void heartbeat() throws SQLException {
        if (!running.isEmpty()) {
            queue.heartbeat(instance);
        }
    }

    /** Moves a job whose current phase or wave may be over to what comes next. */
    private void steer(LockedJob job) throws SQLException {
        if (job.job().state() == JobState.DRY_RUN) {
            afterDryRun(job);
        } else {
            afterWave(job);
        }
    }

    private void afterDryRun(LockedJob locked) throws SQLException {
        if (locked.tasks(Phase.DRY_RUN, TaskState.PENDING) > 0 || locked.tasks(Phase.DRY_RUN, TaskState.RUNNING) > 0) {
            return;
        }
        long failed = locked.tasks(Phase.DRY_RUN, TaskState.FAILED);
        if (failed > 0) {
            locked.finish(JobState.FAILED, "The dry run failed on " + failed + " tenant(s); nothing was applied.");
            return;
        }
        if (locked.job().dryRunOnly()) {
            locked.finish(JobState.SUCCEEDED, "The dry run passed on every tenant; nothing was applied (dryRun).");
            return;
        }
        try {
            moveTemplates(locked);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Migration job %s: the template could not be migrated", locked.job().id());
            locked.finish(JobState.FAILED, "The template could not be migrated; no tenant was changed: " + e.getMessage());
            return;
        }
        locked.startApply();
    }

    /**
     * Dry-runs, then applies, the target release of the job's changelog on every active server's template, and
     * records the template's version.
     */
    private void moveTemplates(LockedJob locked) throws SQLException {
        List<DbServer> hosts = locked.activeServers();
        Direction direction = Direction.fromWire(locked.job().direction());
        TenantChangelog changelog = schema.changelog(locked.job().changelog());
        for (DbServer host : hosts) {
            changelog.dryRun(servers.addressOf(host), host.templateDatabase, direction, locked.job().target());
        }
        for (DbServer host : hosts) {
            String version = changelog.migrate(servers.addressOf(host), host.templateDatabase, direction, locked.job().target());
            locked.recordTemplateVersion(host.id, version);
        }
    }

    private void afterWave(LockedJob locked) throws SQLException {
        JobQueue.Job job = locked.job();
        long failed = locked.tasks(Phase.APPLY, TaskState.FAILED);
        int allowed = job.onError().allowed(job.maxFailures());
        if (failed > allowed) {
            locked.finish(JobState.HALTED, failed + " task(s) failed (allowed: " + allowed + "); tenants not yet migrated "
                    + "were left at their version. Fix the cause and retry.");
            return;
        }
        if (locked.tasks(Phase.APPLY, TaskState.RUNNING) > 0 || locked.pendingInWave(job.wave()) > 0) {
            return;
        }
        Integer next = locked.nextWave();
        if (next != null) {
            locked.moveToWave(next);
            return;
        }
        if (!job.selective() && locked.catchUp() > 0) {
            locked.moveToWave(job.wave() + 1);
            return;
        }
        locked.finish(failed > 0 ? JobState.FAILED : JobState.SUCCEEDED,
                failed > 0 ? failed + " task(s) failed; the other tenants are at " + job.target() + "." : null);
    }

    /** Claims pending tasks for the free workers and hands them out. */
    private void claim() throws SQLException {
        int free = config.workers() - running.size();
        if (free <= 0) {
            return;
        }
        for (Task task : queue.claim(instance, free)) {
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

    /**
     * Records a task's outcome (and claims the next, answered), and times it in {@code keyhub.migration.tasks},
     * tagged with its phase, changelog and outcome.
     */
    private Task done(Task task, long started, TaskState state, String from, String to, String error) throws SQLException {
        Timer.builder("keyhub.migration.tasks").description("Migration tasks: how long each took, by outcome")
                .tag("phase", task.phase().name().toLowerCase(java.util.Locale.ROOT))
                .tag("changelog", task.changelog().wireName())
                .tag("outcome", state.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        return queue.done(task, instance, state, from, to, error);
    }

    /** Runs one task; answers the task claimed next in the same statement as this one's outcome, or null. */
    private Task run(Task task) throws SQLException {
        long started = System.nanoTime();
        ServerAddress address = servers.addressOf(task.server());
        Direction direction = Direction.fromWire(task.direction());
        TenantChangelog changelog = schema.changelog(task.changelog());
        if (task.phase() == Phase.DRY_RUN) {
            try {
                changelog.dryRun(address, task.database(), direction, task.target());
                return done(task, started, TaskState.SUCCEEDED, null, null, null);
            } catch (RuntimeException e) {
                return done(task, started, TaskState.FAILED, null, null, e.getMessage());
            }
        }
        // The claim marked the tenant as migrating; drop this replica's cached copy so writes stop at once.
        directory.forget(task.slug(), task.tenant()).await().indefinitely();
        if (task.backup()) {
            // Archived while frozen, so the archive is the tenant just before the change; no archive, no change.
            try {
                queue.recordBackup(task, backups.export(task.tenant()).name());
            } catch (IOException | SQLException | RuntimeException e) {
                Task next = done(task, started, TaskState.FAILED, null, null, "The tenant could not be archived before "
                        + "the change, so it was not changed: " + e.getMessage());
                directory.forget(task.slug(), task.tenant()).await().indefinitely();
                return next;
            }
        }
        Task next;
        try {
            TenantSchema.Outcome outcome = changelog.apply(address, task.database(), direction, task.target());
            next = done(task, started, TaskState.SUCCEEDED, outcome.from(), outcome.to(), null);
        } catch (TenantSchema.MigrationFailure e) {
            next = done(task, started, TaskState.FAILED, e.from(), e.reached(), e.getMessage());
        } catch (RuntimeException e) {
            next = done(task, started, TaskState.FAILED, null, null, e.getMessage());
        }
        directory.forget(task.slug(), task.tenant()).await().indefinitely();
        return next;
    }
}
