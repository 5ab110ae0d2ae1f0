package dev.keyhub.audit;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.CursorPage;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** The tenant's audit log, newest first (tenant admin). */
@Path("/api/tenants/{tenant}/audit-log")
@Tag(name = "Audit log")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class AuditLogResource {

    private final TenantAccess access;
    private final TenantPools pools;
    private final Audit audit;

    public AuditLogResource(TenantAccess access, TenantPools pools, Audit audit) {
        this.access = access;
        this.pools = pools;
        this.audit = audit;
    }

    @GET
    @Operation(operationId = "listAuditLogEntries", summary = "List audit log entries",
            description = "A page of the tenant's audit log, newest first, paged with a cursor (size 1 to 200, default "
                    + "50). Filter by action and by time ('from' inclusive, 'to' exclusive, ISO-8601 with offset). Tenant "
                    + "admins only.")
    @APIResponse(responseCode = "200", description = "A page of entries")
    @APIResponse(responseCode = "400", description = "Invalid filter, size or cursor")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Not a tenant admin, or another tenant's token")
    @APIResponse(responseCode = "404", description = "Unknown tenant")
    public Uni<CursorPage<Audit.AuditLogEntry>> list(@PathParam("tenant") String tenant, @Parameter(description = "Only entries of this action, e.g. member.joined") @QueryParam("action") String action,
            @Parameter(description = "Only entries at or after this time (ISO 8601)") @QueryParam("from") String from, @Parameter(description = "Only entries before this time (ISO 8601)") @QueryParam("to") String to, @QueryParam("cursor") String cursor,
            @QueryParam("size") String size) {
        Audit.Listing listing = audit.listing(action, from == null ? null : time("from", from),
                to == null ? null : time("to", to), cursor, size);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withConnection(ctx.tenant(), listing::on));
    }

    private static OffsetDateTime time(String name, String value) {
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("invalid_" + name, "'" + name + "' must be an ISO-8601 time with offset.");
        }
    }
}
