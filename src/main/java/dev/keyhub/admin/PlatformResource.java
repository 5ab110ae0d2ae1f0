package dev.keyhub.admin;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.provisioning.TenantLifecycle;

/** Platform admin views over the whole fleet: tenant health and the platform audit log. */
@Path("/admin")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Platform")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class PlatformResource {

    private final TenantLifecycle lifecycle;
    private final PlatformAudit audit;

    public PlatformResource(TenantLifecycle lifecycle, PlatformAudit audit) {
        this.lifecycle = lifecycle;
        this.audit = audit;
    }

    @GET
    @Path("/health/tenants")
    @Operation(operationId = "getTenantHealth", summary = "Check every tenant's database",
            description = "Probes the database of every active or suspended tenant with SELECT 1 on a fresh connection, "
                    + "a few at a time and each within a timeout, and answers each one's reachability and latency with a "
                    + "summary (counts, median and highest latency).")
    @APIResponse(responseCode = "200", description = "The probes and their summary")
    public Uni<TenantLifecycle.Health> health() {
        return lifecycle.health();
    }

    @GET
    @Path("/audit-log")
    @Operation(operationId = "listPlatformAuditLog", summary = "List the platform audit log",
            description = "Every platform-admin action, newest first, optionally only of one tenant and one action. "
                    + "Paged by cursor: size is 1 to 200, 50 by default.")
    @APIResponse(responseCode = "200", description = "A page of entries")
    @APIResponse(responseCode = "400", description = "Invalid action, size or cursor")
    @APIResponse(responseCode = "404", description = "The tenant filter is not a tenant id (tenant_not_found)")
    public Uni<CursorPage<PlatformAudit.PlatformAuditEntry>> auditLog(@Parameter(description = "Only entries about this tenant (its id)") @QueryParam("tenant") String tenant, @Parameter(description = "Only entries of this action, e.g. tenant.create") @QueryParam("action") String action,
            @QueryParam("cursor") String cursor, @QueryParam("size") String size) {
        return audit.page(tenant == null || tenant.isBlank() ? null : Ids.parse(tenant, "tenant_not_found", "tenant"),
                action, cursor, size);
    }
}
