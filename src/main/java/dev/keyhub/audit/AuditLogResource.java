package dev.keyhub.audit;

import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.UUID;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.KeysetQuery;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** The tenant's audit log, newest first (tenant admin). */
@Path("/api/tenants/{tenant}/audit-log")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class AuditLogResource {

    private final TenantAccess access;
    private final TenantPools pools;

    public AuditLogResource(TenantAccess access, TenantPools pools) {
        this.access = access;
        this.pools = pools;
    }

    public record Entry(UUID id, OffsetDateTime at, UUID actor, String action, String resourceType, String resourceId,
            JsonObject details, String ip) {

        static Entry of(Row r) {
            Object ip = r.getValue(7);
            return new Entry(r.getUUID(0), r.getOffsetDateTime(1), r.getUUID(2), r.getString(3), r.getString(4),
                    r.getString(5), (JsonObject) r.getValue(6), ip == null ? null : ip.toString());
        }
    }

    @GET
    @Operation(summary = "Audit log entries, newest first; filter by action and time range")
    @APIResponse(responseCode = "200", description = "A page of entries")
    @APIResponse(responseCode = "400", description = "Invalid filter, size or cursor")
    @APIResponse(responseCode = "403", description = "Not a tenant admin")
    public Uni<CursorPage<Entry>> list(@PathParam("tenant") String tenant, @QueryParam("action") String action,
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("cursor") String cursor,
            @QueryParam("size") String size) {
        KeysetQuery query = KeysetQuery.of("SELECT id, created_at, actor_user_id, action, resource_type, resource_id,"
                + " details, ip_address::text FROM audit_log")
                .action(action)
                .where("created_at", ">=", from == null ? null : time("from", from))
                .where("created_at", "<", to == null ? null : time("to", to))
                .page(cursor, size);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withConnection(ctx.tenant(), c -> c.preparedQuery(query.sql()).execute(query.args())))
                .map(rows -> query.result(rows, Entry::of, e -> new Cursor(e.at(), e.id())));
    }

    private static OffsetDateTime time(String name, String value) {
        try {
            return OffsetDateTime.parse(value);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("invalid_" + name, "'" + name + "' must be an ISO-8601 time with offset.");
        }
    }
}
