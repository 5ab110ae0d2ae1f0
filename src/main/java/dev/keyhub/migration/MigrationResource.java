package dev.keyhub.migration;

import java.net.URI;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.Ids;

/** Platform admin: roll tenant schema releases out (or back) across tenant databases as pollable jobs. */
@Path("/admin/migrations")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Migrations")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class MigrationResource {

    private final MigrationService migrations;
    private final PlatformAudit audit;
    private final JsonWebToken caller;

    public MigrationResource(MigrationService migrations, PlatformAudit audit, JsonWebToken caller) {
        this.migrations = migrations;
        this.audit = audit;
        this.caller = caller;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createMigration", summary = "Start a migration job",
            description = "Starts a job that rolls a schema release out (or back): a dry run on every target tenant, then "
                    + "the template, then waves of tenants. Every field is optional: by default the newest release of "
                    + "KeyHub's changelog goes to every active and suspended tenant, one canary first, four at a time, "
                    + "halting at the first failure. Only one job may be unfinished at a time.")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the job to poll",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "Unknown target or invalid options")
    @APIResponse(responseCode = "409", description = "Another job is not finished")
    public Uni<Response> create(@Valid MigrationRequest body) {
        MigrationRequest request = body == null ? new MigrationRequest(null, null, null, null, null, null, null, null, null, null)
                : body;
        return audit.audited(caller.getSubject(), "migration.created", null,
                new JsonObject().put("changelog", request.changelog() == null ? "keyhub" : request.changelog())
                        .put("target", request.target()).put("direction", request.direction()),
                migrations.create(request, caller.getSubject()))
                .map(job -> Response.accepted(job).location(URI.create("/admin/migrations/" + job.id())).build());
    }

    @GET
    @Operation(operationId = "listMigrations", summary = "List migration jobs",
            description = "The 50 newest migration jobs, newest first, each with its progress but without its tasks.")
    @APIResponse(responseCode = "200", description = "The jobs")
    public Uni<List<JobView>> list() {
        return migrations.list(50);
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getMigration", summary = "Get a migration job",
            description = "One job: its state, progress and estimate of the time left, and every task with its versions, "
                    + "duration and error. Poll it to follow a job.")
    @APIResponse(responseCode = "200", description = "The job, with its tasks")
    @APIResponse(responseCode = "404", description = "No such job")
    public Uni<JobView> get(@PathParam("id") String id) {
        return migrations.get(Ids.parse(id, "migration_not_found", "migration job"), true);
    }

    @POST
    @Path("/{id}/pause")
    @Operation(operationId = "pauseMigration", summary = "Pause a migration job",
            description = "Pauses a job in its dry run or running: no new task starts; running ones finish.")
    @APIResponse(responseCode = "200", description = "Paused; the job without its tasks")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is not running")
    public Uni<JobView> pause(@PathParam("id") String id) {
        return steer(id, "migration.paused", migrations::pause);
    }

    @POST
    @Path("/{id}/resume")
    @Operation(operationId = "resumeMigration", summary = "Resume a paused migration job",
            description = "Lets a paused job start tasks again.")
    @APIResponse(responseCode = "200", description = "Resumed; the job without its tasks")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is not paused")
    public Uni<JobView> resume(@PathParam("id") String id) {
        return steer(id, "migration.resumed", migrations::resume);
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(operationId = "cancelMigration", summary = "Cancel a migration job",
            description = "Cancels an unfinished job: tasks not started are skipped, and tenants stay at the version they reached.")
    @APIResponse(responseCode = "200", description = "Cancelled; the job without its tasks")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is finished")
    public Uni<JobView> cancel(@PathParam("id") String id) {
        return steer(id, "migration.cancelled", migrations::cancel);
    }

    @POST
    @Path("/{id}/retry")
    @Operation(operationId = "retryMigration", summary = "Retry a migration job's failed tasks",
            description = "Runs the failed tasks of a halted or failed job again, once the cause was fixed.")
    @APIResponse(responseCode = "200", description = "Running again; the job without its tasks")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job has no failed tasks to retry")
    public Uni<JobView> retry(@PathParam("id") String id) {
        return steer(id, "migration.retried", migrations::retry);
    }

    private Uni<JobView> steer(String id, String action, java.util.function.Function<UUID, Uni<JobView>> change) {
        UUID jobId = Ids.parse(id, "migration_not_found", "migration job");
        return audit.audited(caller.getSubject(), action, null, new JsonObject().put("job", jobId.toString()),
                change.apply(jobId));
    }
}
