package dev.keyhub.joincode;

import java.net.URI;
import java.time.OffsetDateTime;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** Tenant admins create, list and revoke join codes. */
@Path("/api/tenants/{tenant}/join-codes")
@Tag(name = "Join codes")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a tenant admin, or another tenant's token")
@APIResponse(responseCode = "404", description = "Unknown tenant or join code")
public class JoinCodesResource {

    private final TenantAccess access;
    private final JoinCodeService codes;

    public JoinCodesResource(TenantAccess access, JoinCodeService codes) {
        this.access = access;
        this.codes = codes;
    }

    /** Body of POST: the role the code grants (default member), uses allowed (0 = unlimited), optional expiry. */
    @Schema(example = "{\"role\": \"member\", \"maxUses\": 10, \"expiresAt\": \"2030-01-31T23:59:59Z\"}")
    public record CreateJoinCode(Role role, @Min(0) @Max(1_000_000) Integer maxUses, OffsetDateTime expiresAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createJoinCode", summary = "Create a join code",
            description = "Creates a join code granting 'member' (the default) or 'viewer', never 'admin', with a number "
                    + "of uses (0 = unlimited) and an optional expiry in the future. The code itself is in this response "
                    + "only. Tenant admins only.")
    @APIResponse(responseCode = "201", description = "Created; the Location header names the new join code",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JoinCodeView.class)))
    @APIResponse(responseCode = "400", description = "Invalid role, maxUses or expiry")
    public Uni<Response> create(@PathParam("tenant") String tenant, @Valid @NotNull CreateJoinCode body) {
        var request = new JoinCodeService.NewCode(body.role() == null ? Role.MEMBER : body.role(),
                body.maxUses() == null ? 0 : body.maxUses(), body.expiresAt());
        return access.resolve(tenant).chain(ctx -> codes.create(ctx, request).map(view -> Response
                .created(URI.create("/api/tenants/" + ctx.tenant().slug() + "/join-codes/" + view.id()))
                .entity(view).build()));
    }

    @GET
    @Operation(operationId = "listJoinCodes", summary = "List join codes",
            description = "A page of the tenant's join codes, newest first, paged with a cursor (size 1 to 100, default "
                    + "50), without the codes themselves. Tenant admins only.")
    @APIResponse(responseCode = "200", description = "A page of join codes")
    @APIResponse(responseCode = "400", description = "Invalid size or cursor")
    public Uni<CursorPage<JoinCodeView>> list(@PathParam("tenant") String tenant, @QueryParam("cursor") String cursor,
            @QueryParam("size") String size) {
        Cursor before = Cursor.decode(cursor);
        int pageSize = Cursor.size(size, 50, 100);
        return access.resolve(tenant).chain(ctx -> codes.list(ctx, before, pageSize));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "revokeJoinCode", summary = "Revoke a join code",
            description = "Revokes a join code so that it can no longer be redeemed; revoking a revoked code changes "
                    + "nothing. Tenant admins only.")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revoke(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        var codeId = Ids.parse(id, "join_code_not_found", "join code");
        return access.resolve(tenant).chain(ctx -> codes.revoke(ctx, codeId)).map(v -> Response.noContent().build());
    }
}
