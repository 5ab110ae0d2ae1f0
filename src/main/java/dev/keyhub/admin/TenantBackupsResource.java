package dev.keyhub.admin;

import java.net.URI;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
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
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.provisioning.TenantBackups;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Platform admin: archives of one tenant's database in the backup location ({@code keyhub.backups.location}), and
 * restores of the tenant from them. See {@link TenantBackups} for the archive and what a restore guarantees.
 */
@Path("/admin/tenants/{id}")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
@APIResponse(responseCode = "503", description = "No backup location is configured (backups_not_configured)")
public class TenantBackupsResource {

    private final TenantBackups backups;
    private final TenantDirectory directory;
    private final PlatformAudit audit;
    private final JsonWebToken caller;

    public TenantBackupsResource(TenantBackups backups, TenantDirectory directory, PlatformAudit audit, JsonWebToken caller) {
        this.backups = backups;
        this.directory = directory;
        this.audit = audit;
        this.caller = caller;
    }

    /** Body of POST /admin/tenants/{id}/restore: an archive's file name, as listed. */
    public record RestoreRequest(@NotBlank @Size(max = 100) String archive) {
    }

    /** The tenant after a restore, and the archive it was restored from. */
    public record Restored(TenantView tenant, TenantBackups.Manifest archive) {
    }

    @POST
    @Path("/backups")
    @Operation(summary = "Archive the tenant's database now: every table, row counts, checksums and schema versions")
    @APIResponse(responseCode = "201", description = "Archived; the body is the archive's manifest")
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not active or suspended (invalid_state)")
    public Uni<Response> export(@PathParam("id") String id) {
        UUID tenant = TenantAdminResource.parseId(id);
        return audit.audited(caller.getSubject(), "tenant.exported", tenant, null, blocking(() -> backups.export(tenant)))
                .map(m -> Response.created(URI.create("/admin/tenants/" + tenant + "/backups/" + m.name())).entity(m).build());
    }

    @GET
    @Path("/backups")
    @Operation(summary = "The tenant's archives, newest first")
    @APIResponse(responseCode = "200", description = "Their manifests")
    @APIResponse(responseCode = "404", description = "No such tenant")
    public Uni<List<TenantBackups.Manifest>> list(@PathParam("id") String id) {
        UUID tenant = TenantAdminResource.parseId(id);
        return directory.byId(tenant).chain(t -> blocking(() -> backups.list(tenant)));
    }

    @POST
    @Path("/restore")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Restore the tenant from one of its archives; it is read-only meanwhile, and unchanged if anything fails")
    @APIResponse(responseCode = "200", description = "Restored; brought to the current schema release if the archive was older")
    @APIResponse(responseCode = "400", description = "Invalid body or archive name, or a damaged archive (archive_corrupt)")
    @APIResponse(responseCode = "404", description = "No such tenant or archive")
    @APIResponse(responseCode = "409", description = "The archive is of another tenant (archive_other_tenant) or from a release "
            + "this installation lacks (archive_newer), or the tenant is not active or suspended, or busy (tenant_frozen)")
    @APIResponse(responseCode = "422", description = "The loaded data did not match the archive's manifest (archive_mismatch)")
    @APIResponse(responseCode = "500", description = "The restore failed; the tenant is as it was")
    public Uni<Restored> restore(@PathParam("id") String id, @Valid @NotNull RestoreRequest body) {
        UUID tenant = TenantAdminResource.parseId(id);
        return audit.audited(caller.getSubject(), "tenant.restored", tenant, new JsonObject().put("archive", body.archive()),
                        blocking(() -> backups.restore(tenant, body.archive())))
                .chain(m -> directory.byId(tenant).map(t -> new Restored(TenantView.of(t), m)));
    }

    private static <T> Uni<T> blocking(Callable<T> work) {
        return Uni.createFrom().item(() -> {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
