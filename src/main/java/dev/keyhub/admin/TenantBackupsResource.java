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
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.vertx.MutinyHelper;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.Slug;
import dev.keyhub.provisioning.ProvisioningService;
import dev.keyhub.provisioning.TenantBackups;
import dev.keyhub.provisioning.TenantLifecycle;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Platform admin: archives of one tenant's database in the backup location ({@code keyhub.backups.location}), and
 * restores of the tenant from them. See {@link TenantBackups} for the archive and what a restore guarantees.
 */
@Path("/admin/tenants/{id}")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Backups")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
@APIResponse(responseCode = "503", description = "No backup location is configured (backups_not_configured)")
public class TenantBackupsResource {

    private final TenantBackups backups;
    private final TenantDirectory directory;
    private final PlatformAudit audit;
    private final JsonWebToken caller;
    private final ProvisioningService provisioning;
    private final TenantLifecycle lifecycle;

    public TenantBackupsResource(TenantBackups backups, TenantDirectory directory, PlatformAudit audit, JsonWebToken caller,
            ProvisioningService provisioning, TenantLifecycle lifecycle) {
        this.provisioning = provisioning;
        this.lifecycle = lifecycle;
        this.backups = backups;
        this.directory = directory;
        this.audit = audit;
        this.caller = caller;
    }

    /** Body of POST /admin/tenants/{id}/restore: an archive's file name, as listed. */
    @Schema(example = "{\"archive\": \"20261201T101500Z-0a1b2c3d.zip\"}")
    public record RestoreRequest(@NotBlank @Size(max = 100) String archive) {
    }

    /** Body of POST /admin/tenants/{id}/restore-as-new: one of this tenant's archives, and the new tenant's slug and name. */
    @Schema(example = "{\"archive\": \"20261201T101500Z-0a1b2c3d.zip\", \"slug\": \"acme-restored\", "
            + "\"name\": \"Acme (restored 1 December)\"}")
    public record RestoreAsNewRequest(@NotBlank @Size(max = 100) String archive, @NotNull @Slug String slug,
            @NotBlank @Size(max = 200) String name) {
    }

    /** The tenant after a restore, and the archive it was restored from. */
    public record Restored(TenantView tenant, TenantBackups.Manifest archive) {
    }

    @POST
    @Path("/backups")
    @Operation(operationId = "createTenantBackup", summary = "Back up a tenant now",
            description = "Writes an archive of the tenant's database to the backup location now: every table, with row "
                    + "counts, checksums and schema versions. The tenant must be active or suspended.")
    @APIResponse(responseCode = "201", description = "Archived; the body is the archive's manifest",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = TenantBackups.Manifest.class)))
    @APIResponse(responseCode = "404", description = "No such tenant")
    @APIResponse(responseCode = "409", description = "The tenant is not active or suspended (invalid_state)")
    public Uni<Response> export(@PathParam("id") String id) {
        UUID tenant = TenantAdminResource.parseId(id);
        return audit.audited(caller.getSubject(), "tenant.exported", tenant, null, blocking(() -> backups.export(tenant)))
                .map(m -> Response.created(URI.create("/admin/tenants/" + tenant + "/backups/" + m.name())).entity(m).build());
    }

    @GET
    @Path("/backups")
    @Operation(operationId = "listTenantBackups", summary = "List a tenant's backups",
            description = "The manifests of the tenant's archives in the backup location, newest first. An archive that "
                    + "cannot be read is left out.")
    @APIResponse(responseCode = "200", description = "Their manifests")
    @APIResponse(responseCode = "404", description = "No such tenant")
    public Uni<List<TenantBackups.Manifest>> list(@PathParam("id") String id) {
        UUID tenant = TenantAdminResource.parseId(id);
        return directory.byId(tenant).chain(t -> blocking(() -> backups.list(tenant)));
    }

    @POST
    @Path("/restore")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "restoreTenantBackup", summary = "Restore a tenant from a backup",
            description = "Replaces the tenant's data with that of one of its archives, named as listed. The tenant is "
                    + "read-only meanwhile and unchanged if anything fails; an archive of an older release is brought to "
                    + "the current schema release.")
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
                        blocking(() -> backups.restore(tenant, body.archive())).emitOn(MutinyHelper.executor(Vertx.currentContext())))
                .chain(m -> directory.byId(tenant).map(t -> new Restored(TenantView.of(t), m)));
    }

    @POST
    @Path("/restore-as-new")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "restoreTenantBackupAsNew", summary = "Restore a backup as a new tenant",
            description = "Creates a new tenant, on the same server, with the data of one of this tenant's archives; this "
                    + "tenant is not changed. The archive is checked first, and the new tenant is removed again if the "
                    + "restore fails.")
    @APIResponse(responseCode = "201", description = "Created; Location names the new tenant",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Restored.class)))
    @APIResponse(responseCode = "400", description = "Invalid body, slug or archive name, or a damaged archive (archive_corrupt)")
    @APIResponse(responseCode = "404", description = "No such tenant or archive")
    @APIResponse(responseCode = "409", description = "Slug taken, the archive is of another tenant or from a release this "
            + "installation lacks, or this tenant is not active or suspended")
    @APIResponse(responseCode = "500", description = "The restore failed; the new tenant was removed again")
    public Uni<Response> restoreAsNew(@PathParam("id") String id, @Valid @NotNull RestoreAsNewRequest body) {
        UUID source = TenantAdminResource.parseId(id);
        // The archive is checked before anything is created. The new tenant starts as a clone of this one, which
        // gives it its own database and role on the same server, and the archive's data then replaces the clone's.
        // If that fails, the new tenant is purged.
        // The blocking steps run on a worker thread; the catalog work goes back to the request's Vert.x context, where
        // Hibernate Reactive sessions live.
        Context request = Vertx.currentContext();
        Uni<Restored> work = blocking(() -> backups.inspect(source, body.archive())).emitOn(MutinyHelper.executor(request))
                .chain(checked -> provisioning.clone(source, body.slug(), body.name()))
                .chain(created -> blocking(() -> backups.restore(created.id, source, body.archive()))
                        .emitOn(MutinyHelper.executor(request))
                        .onFailure().call(e -> lifecycle.delete(created.id, true).onFailure().recoverWithNull())
                        .chain(m -> directory.byId(created.id).map(t -> new Restored(TenantView.of(t), m))));
        return audit.audited(caller.getSubject(), "tenant.restored_as_new", source,
                        new JsonObject().put("archive", body.archive()).put("slug", body.slug()), work)
                .map(r -> Response.created(URI.create("/admin/tenants/" + r.tenant().id())).entity(r).build());
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
