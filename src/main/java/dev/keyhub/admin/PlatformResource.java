package dev.keyhub.admin;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.common.KeysetQuery;
import dev.keyhub.provisioning.TenantLifecycle;

/** Platform admin views over the whole fleet: tenant health and the platform audit log. */
@Path("/admin")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class PlatformResource {

    private final TenantLifecycle lifecycle;
    private final Pool catalog;

    public PlatformResource(TenantLifecycle lifecycle, Pool catalog) {
        this.lifecycle = lifecycle;
        this.catalog = catalog;
    }

    @GET
    @Path("/health/tenants")
    @Operation(summary = "Reachability and latency of every active or suspended tenant's database, with a summary")
    public Uni<TenantLifecycle.Health> health() {
        return lifecycle.health();
    }

    public record AuditEntry(UUID id, OffsetDateTime at, String actor, String action, UUID tenantId, String outcome,
            JsonObject details) {

        static AuditEntry of(Row r) {
            return new AuditEntry(r.getUUID(0), r.getOffsetDateTime(1), r.getString(2), r.getString(3), r.getUUID(4),
                    r.getString(5), (JsonObject) r.getValue(6));
        }
    }

    @GET
    @Path("/audit-log")
    @Operation(summary = "Every platform-admin action, newest first; filter by tenant and action")
    @APIResponse(responseCode = "200", description = "A page of entries")
    @APIResponse(responseCode = "400", description = "Invalid action, size or cursor")
    public Uni<CursorPage<AuditEntry>> auditLog(@QueryParam("tenant") String tenant, @QueryParam("action") String action,
            @QueryParam("cursor") String cursor, @QueryParam("size") String size) {
        KeysetQuery query = KeysetQuery.of(
                "SELECT id, created_at, actor, action, tenant_id, outcome, details FROM platform_audit_log")
                .where("tenant_id", "=", tenant == null || tenant.isBlank() ? null : Ids.parse(tenant, "tenant_not_found", "tenant"))
                .action(action)
                .page(cursor, size);
        return catalog.preparedQuery(query.sql()).execute(query.args())
                .map(rows -> query.result(rows, AuditEntry::of, e -> new Cursor(e.at(), e.id())));
    }
}
