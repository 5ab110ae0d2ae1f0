package dev.keyhub.admin;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.provisioning.TenantLifecycle;

/** Platform admin views over the whole fleet: tenant health and the platform audit log. */
@Path("/admin")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
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
    @Operation(summary = "Reachability and latency of every active or suspended tenant's database, with a summary")
    public Uni<TenantLifecycle.Health> health() {
        return lifecycle.health();
    }

    @GET
    @Path("/audit-log")
    @Operation(summary = "Every platform-admin action, newest first; filter by tenant and action")
    @APIResponse(responseCode = "200", description = "A page of entries")
    @APIResponse(responseCode = "400", description = "Invalid action, size or cursor")
    public Uni<CursorPage<PlatformAudit.AuditEntry>> auditLog(@QueryParam("tenant") String tenant, @QueryParam("action") String action,
            @QueryParam("cursor") String cursor, @QueryParam("size") String size) {
        return audit.page(tenant == null || tenant.isBlank() ? null : Ids.parse(tenant, "tenant_not_found", "tenant"),
                action, cursor, size);
    }
}
