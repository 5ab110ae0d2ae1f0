package dev.keyhub.example.projects;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.KeysetQuery;
import dev.keyhub.common.ProblemException;
import dev.keyhub.feature.TenantWork;

/**
 * The statements of the example feature, on the tables of the product changelog ({@code db/product/}). Each
 * runs on the {@link TenantWork} it is given, so on one tenant's database only; each change writes an audit entry
 * in the same transaction.
 */
final class Projects {

    /** The release that added {@code tasks.done}; below it a task has no done flag (null). */
    static final String DONE_RELEASE = "product-1.1";

    private static final String PROJECT = "SELECT id, name, created_by, created_at FROM projects";
    private static final String TASK_COLUMNS = "id, project_id, title, created_by, created_at";
    private static final String INSERT_PROJECT = """
            INSERT INTO projects (name, created_by) VALUES ($1, $2) RETURNING id, name, created_by, created_at""";
    private static final String INSERT_TASK = "INSERT INTO tasks (project_id, title, created_by) VALUES ($1, $2, $3) "
            + "RETURNING ";
    private static final String MARK_DONE = "UPDATE tasks SET done = $3 WHERE id = $1 AND project_id = $2 RETURNING "
            + TASK_COLUMNS + ", done";
    private static final String DELETE_PROJECT = "DELETE FROM projects WHERE id = $1 RETURNING name";
    private static final String DELETE_TASK = "DELETE FROM tasks WHERE id = $1 AND project_id = $2 RETURNING title";

    private Projects() {
    }

    record ProjectView(UUID id, String name, UUID createdBy, OffsetDateTime createdAt) {

        static ProjectView of(Row r) {
            return new ProjectView(r.getUUID("id"), r.getString("name"), r.getUUID("created_by"),
                    r.getOffsetDateTime("created_at"));
        }

        Cursor key() {
            return new Cursor(createdAt, id);
        }
    }

    /** A task; {@code done} is null while the tenant is below {@link #DONE_RELEASE}. */
    record TaskView(UUID id, UUID projectId, String title, Boolean done, UUID createdBy, OffsetDateTime createdAt) {

        static TaskView of(Row r) {
            return new TaskView(r.getUUID("id"), r.getUUID("project_id"), r.getString("title"),
                    r.getColumnIndex("done") < 0 ? null : r.getBoolean("done"), r.getUUID("created_by"),
                    r.getOffsetDateTime("created_at"));
        }

        Cursor key() {
            return new Cursor(createdAt, id);
        }
    }

    static ProblemException projectNotFound(Object id) {
        return ProblemException.notFound("project_not_found", "No project " + id + ".");
    }

    static ProblemException taskNotFound(Object id) {
        return ProblemException.notFound("task_not_found", "No task " + id + ".");
    }

    /** Projects newest first; {@code page} is checked before anything is read. */
    static Uni<CursorPage<ProjectView>> list(TenantWork work, KeysetQuery page) {
        return work.sql().preparedQuery(page.sql()).execute(page.args())
                .map(rows -> page.result(rows, ProjectView::of, ProjectView::key));
    }

    static Uni<ProjectView> get(TenantWork work, UUID id) {
        return work.sql().preparedQuery(PROJECT + " WHERE id = $1").execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                throw projectNotFound(id);
            }
            return ProjectView.of(rows.iterator().next());
        });
    }

    static Uni<ProjectView> create(TenantWork work, String name) {
        return work.sql().preparedQuery(INSERT_PROJECT).execute(Tuple.of(name, work.userId()))
                .map(rows -> ProjectView.of(rows.iterator().next()))
                .call(p -> work.audit("project.created", "project", p.id(), new JsonObject().put("name", p.name())));
    }

    static Uni<Void> delete(TenantWork work, UUID id) {
        return work.sql().preparedQuery(DELETE_PROJECT).execute(Tuple.of(id)).chain(rows -> {
            if (rows.size() == 0) {
                throw projectNotFound(id);
            }
            return work.audit("project.deleted", "project", id,
                    new JsonObject().put("name", rows.iterator().next().getString("name")));
        });
    }

    /** A project's tasks newest first; 404 for a project that does not exist. */
    static Uni<CursorPage<TaskView>> tasks(TenantWork work, UUID project, KeysetQuery page) {
        return get(work, project).chain(p -> work.sql().preparedQuery(page.sql()).execute(page.args()))
                .map(rows -> page.result(rows, TaskView::of, TaskView::key));
    }

    /** The task columns this tenant's release has. */
    private static String taskColumns(TenantWork work) {
        return work.atProductRelease(DONE_RELEASE) ? TASK_COLUMNS + ", done" : TASK_COLUMNS;
    }

    static Uni<TaskView> createTask(TenantWork work, UUID project, String title) {
        return get(work, project)
                .chain(p -> work.sql().preparedQuery(INSERT_TASK + taskColumns(work))
                        .execute(Tuple.of(project, title, work.userId())))
                .map(rows -> TaskView.of(rows.iterator().next()))
                .call(t -> work.audit("task.created", "task", t.id(),
                        new JsonObject().put("project", project.toString()).put("title", t.title())));
    }

    /** Marks a task done or not; 409 {@code release_required} below {@link #DONE_RELEASE}. */
    static Uni<TaskView> markDone(TenantWork work, UUID project, UUID task, boolean done) {
        work.requireProductRelease(DONE_RELEASE);
        return work.sql().preparedQuery(MARK_DONE).execute(Tuple.of(task, project, done)).map(rows -> {
            if (rows.size() == 0) {
                throw taskNotFound(task);
            }
            return TaskView.of(rows.iterator().next());
        }).call(t -> work.audit("task.updated", "task", task, new JsonObject().put("project", project.toString())
                .put("done", done)));
    }

    static Uni<Void> deleteTask(TenantWork work, UUID project, UUID task) {
        return work.sql().preparedQuery(DELETE_TASK).execute(Tuple.of(task, project)).chain(rows -> {
            if (rows.size() == 0) {
                throw taskNotFound(task);
            }
            return work.audit("task.deleted", "task", task, new JsonObject().put("project", project.toString())
                    .put("title", rows.iterator().next().getString("title")));
        });
    }

    /** The keyset listing of projects. */
    static KeysetQuery projectPage(String cursor, String size) {
        return KeysetQuery.of(PROJECT).page(cursor, size);
    }

    /** The keyset listing of one project's tasks, with the columns of the tenant's release. */
    static KeysetQuery taskPage(TenantWork work, UUID project, String cursor, String size) {
        return KeysetQuery.of("SELECT " + taskColumns(work) + " FROM tasks").where("project_id", "=", project)
                .page(cursor, size);
    }
}
