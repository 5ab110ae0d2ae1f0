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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.Ids;

/** Platform admin: roll tenant schema releases out (or back) across tenant databases as pollable jobs. */
@Path("/admin/migrations")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
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
    @Operation(summary = "Start a migration job: dry run on every target, then the template, then waves of tenants")
    @APIResponse(responseCode = "202", description = "Accepted; Location names the job to poll")
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
    @Operation(summary = "The newest migration jobs")
    public Uni<List<JobView>> list() {
        return migrations.list(50);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A job: state, progress, estimate of time left, and every task with its versions and error")
    @APIResponse(responseCode = "404", description = "No such job")
    public Uni<JobView> get(@PathParam("id") String id) {
        return migrations.get(Ids.parse(id, "migration_not_found", "migration job"), true);
    }

    @POST
    @Path("/{id}/pause")
    @Operation(summary = "Pause: no new task starts; running ones finish")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is not running")
    public Uni<JobView> pause(@PathParam("id") String id) {
        return steer(id, "migration.paused", migrations::pause);
    }

    @POST
    @Path("/{id}/resume")
    @Operation(summary = "Resume a paused job")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is not paused")
    public Uni<JobView> resume(@PathParam("id") String id) {
        return steer(id, "migration.resumed", migrations::resume);
    }

    @POST
    @Path("/{id}/cancel")
    @Operation(summary = "Cancel: tasks not started are skipped")
    @APIResponse(responseCode = "404", description = "No such job")
    @APIResponse(responseCode = "409", description = "The job is finished")
    public Uni<JobView> cancel(@PathParam("id") String id) {
        return steer(id, "migration.cancelled", migrations::cancel);
    }

    @POST
    @Path("/{id}/retry")
    @Operation(summary = "Run the failed tasks of a halted or failed job again")
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
