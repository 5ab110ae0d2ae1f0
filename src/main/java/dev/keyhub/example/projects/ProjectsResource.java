package dev.keyhub.example.projects;

import java.net.URI;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.arc.properties.IfBuildProperty;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.common.KeysetQuery;
import dev.keyhub.example.projects.Projects.ProjectView;
import dev.keyhub.example.projects.Projects.TaskView;
import dev.keyhub.feature.TenantFeatures;
import dev.keyhub.tenancy.Role;

/**
 * The worked example of a product feature on KeyHub: projects and their tasks in the tenant's own database,
 * built only on {@link TenantFeatures} and {@code dev.keyhub.common}. Members list and create; tenant admins
 * delete; every change is in the tenant's audit log. {@code keyhub.example.projects.enabled=false} at build
 * time removes these routes.
 */
@Path("/api/tenants/{tenant}/projects")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@IfBuildProperty(name = "keyhub.example.projects.enabled", stringValue = "true", enableIfMissing = true)
@Tag(name = "Projects")
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a member, role too low, or another tenant's token")
@APIResponse(responseCode = "404", description = "Unknown tenant, project or task")
@APIResponse(responseCode = "503", description = "The tenant's database is busy, or the tenant takes no writes for now")
public class ProjectsResource {

    private final TenantFeatures features;

    public ProjectsResource(TenantFeatures features) {
        this.features = features;
    }

    @Schema(example = "{\"name\": \"Website relaunch\"}")
    public record NewProject(@NotBlank @Size(max = 200) String name) {
    }

    @Schema(example = "{\"title\": \"Draft the landing page\"}")
    public record NewTask(@NotBlank @Size(max = 500) String title) {
    }

    @Schema(example = "{\"done\": true}")
    public record TaskChange(@NotNull Boolean done) {
    }

    @GET
    @Operation(operationId = "listProjects", summary = "List projects",
            description = "The tenant's projects, newest first, a page at a time: size is 1 to 200 (default 50) and "
                    + "cursor is the nextCursor of the previous page. Any member of the tenant may call it.")
    @APIResponse(responseCode = "200", description = "A page of projects; nextCursor is null on the last page")
    @APIResponse(responseCode = "400", description = "Invalid cursor or size")
    public Uni<CursorPage<ProjectView>> list(@PathParam("tenant") String tenant, @QueryParam("cursor") String cursor,
            @QueryParam("size") String size) {
        KeysetQuery page = Projects.projectPage(cursor, size);
        return features.read(tenant, work -> Projects.list(work, page));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createProject", summary = "Create a project",
            description = "Creates a project with the given name. Needs at least the member role; the change is "
                    + "audited.")
    @APIResponse(responseCode = "201", description = "Created; Location names the new project",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ProjectView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body")
    public Uni<Response> create(@PathParam("tenant") String tenant, @Valid @NotNull NewProject body) {
        return features.write(tenant, Role.MEMBER, work -> Projects.create(work, body.name().strip())
                .map(p -> Response.created(URI.create("/api/tenants/" + work.tenantSlug() + "/projects/" + p.id()))
                        .entity(p).build()));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getProject", summary = "Get a project",
            description = "One project of the tenant. Any member of the tenant may call it.")
    @APIResponse(responseCode = "200", description = "The project")
    public Uni<ProjectView> get(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        return features.read(tenant, work -> Projects.get(work, projectId));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "deleteProject", summary = "Delete a project",
            description = "Deletes a project and its tasks. Needs the tenant's admin role; the change is audited.")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> delete(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        return features.write(tenant, Role.ADMIN, work -> Projects.delete(work, projectId))
                .map(v -> Response.noContent().build());
    }

    @GET
    @Path("/{id}/tasks")
    @Operation(operationId = "listProjectTasks", summary = "List a project's tasks",
            description = "A project's tasks, newest first, a page at a time: size is 1 to 200 (default 50) and cursor "
                    + "is the nextCursor of the previous page. Any member of the tenant may call it; done is null "
                    + "while the tenant is below product release product-1.1.")
    @APIResponse(responseCode = "200", description = "A page of tasks; nextCursor is null on the last page")
    @APIResponse(responseCode = "400", description = "Invalid cursor or size")
    public Uni<CursorPage<TaskView>> tasks(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @QueryParam("cursor") String cursor, @QueryParam("size") String size) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        KeysetQuery.checkPage(cursor, size);
        return features.read(tenant, work -> Projects.tasks(work, projectId,
                Projects.taskPage(work, projectId, cursor, size)));
    }

    @POST
    @Path("/{id}/tasks")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createProjectTask", summary = "Add a task to a project",
            description = "Adds a task with the given title to a project. Needs at least the member role; the change "
                    + "is audited.")
    @APIResponse(responseCode = "201", description = "Created; Location names the new task",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = TaskView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body")
    public Uni<Response> createTask(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Valid @NotNull NewTask body) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        return features.write(tenant, Role.MEMBER, work -> Projects.createTask(work, projectId, body.title().strip())
                .map(t -> Response.created(URI.create("/api/tenants/" + work.tenantSlug() + "/projects/" + projectId
                        + "/tasks/" + t.id())).entity(t).build()));
    }

    @PATCH
    @Path("/{id}/tasks/{task}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "markProjectTaskDone", summary = "Mark a task done or not done",
            description = "Sets whether a task of the project is done. Needs at least the member role, and the tenant's "
                    + "data at product release product-1.1; the change is audited.")
    @APIResponse(responseCode = "200", description = "The task")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "409", description = "The tenant's data is not at product-1.1 yet")
    public Uni<TaskView> markDone(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Parameter(description = "The task's id") @PathParam("task") String task, @Valid @NotNull TaskChange body) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        UUID taskId = Ids.parse(task, "task_not_found", "task");
        return features.write(tenant, Role.MEMBER, work -> Projects.markDone(work, projectId, taskId, body.done()));
    }

    @DELETE
    @Path("/{id}/tasks/{task}")
    @Operation(operationId = "deleteProjectTask", summary = "Delete a task",
            description = "Deletes a task of the project. Needs the tenant's admin role; the change is audited.")
    @APIResponse(responseCode = "204", description = "Deleted")
    public Uni<Response> deleteTask(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Parameter(description = "The task's id") @PathParam("task") String task) {
        UUID projectId = Ids.parse(id, "project_not_found", "project");
        UUID taskId = Ids.parse(task, "task_not_found", "task");
        return features.write(tenant, Role.ADMIN, work -> Projects.deleteTask(work, projectId, taskId))
                .map(v -> Response.noContent().build());
    }
}
