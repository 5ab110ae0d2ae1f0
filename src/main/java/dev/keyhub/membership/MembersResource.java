package dev.keyhub.membership;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.Ids;
import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** The tenant's members: everyone reads; admins change roles, remove members and revoke their sessions. */
@Path("/api/tenants/{tenant}/users")
@Tag(name = "Members")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a member, another tenant's token, or role too low")
@APIResponse(responseCode = "404", description = "Unknown tenant or member")
public class MembersResource {

    static final int MAX_PAGE = 100;
    private final TenantAccess access;
    private final MembershipService members;

    public MembersResource(TenantAccess access, MembershipService members) {
        this.access = access;
        this.members = members;
    }

    @Schema(example = "{\"role\": \"viewer\"}")
    public record ChangeRole(@NotNull Role role) {
    }

    @GET
    @Operation(operationId = "listMembers", summary = "List members",
            description = "A page of the tenant's active members, oldest first, paged with a cursor (size 1 to 100, "
                    + "default 50). Filter by role (admin, member or viewer) or search email and name with 'q' (at most "
                    + "200 characters). Any member may call it.")
    @APIResponse(responseCode = "200", description = "A page of members")
    @APIResponse(responseCode = "400", description = "Invalid role, search, size or cursor")
    public Uni<CursorPage<MemberView>> list(@PathParam("tenant") String tenant, @Parameter(description = "Only members with this role") @QueryParam("role") String role,
            @Parameter(description = "Only members whose email or name contains this text") @QueryParam("q") String search, @QueryParam("cursor") String cursor, @QueryParam("size") String size) {
        Role wanted = role == null || role.isBlank() ? null : parseRole(role);
        if (search != null && search.length() > 200) {
            throw ProblemException.badRequest("invalid_search", "'q' is at most 200 characters.");
        }
        Cursor after = Cursor.decode(cursor);
        int pageSize = Cursor.size(size, 50, MAX_PAGE);
        return access.resolve(tenant).chain(ctx -> members.list(ctx, wanted, search, after, pageSize));
    }

    @GET
    @Path("/{id}")
    @Operation(operationId = "getMember", summary = "Get a member",
            description = "One active member of the tenant, by user id. Any member may call it; an id that is not an "
                    + "active member's is 404.")
    @APIResponse(responseCode = "200", description = "The member")
    public Uni<MemberView> get(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        var userId = Ids.parse(id, "user_not_found", "member");
        return access.resolve(tenant).chain(ctx -> members.get(ctx, userId));
    }

    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "changeMemberRole", summary = "Change a member's role",
            description = "Sets a member's role to admin, member or viewer; setting the role they already have changes "
                    + "nothing. Tenant admins only; the tenant's last admin cannot be demoted.")
    @APIResponse(responseCode = "200", description = "The member with their new role")
    @APIResponse(responseCode = "400", description = "Invalid role")
    @APIResponse(responseCode = "409", description = "The last admin cannot be demoted")
    public Uni<MemberView> changeRole(@PathParam("tenant") String tenant, @PathParam("id") String id,
            @Valid @NotNull ChangeRole body) {
        var userId = Ids.parse(id, "user_not_found", "member");
        return access.resolve(tenant).chain(ctx -> members.changeRole(ctx, userId, body.role()));
    }

    @DELETE
    @Path("/{id}")
    @Operation(operationId = "removeMember", summary = "Remove a member",
            description = "Ends a member's membership and revokes their sessions in the tenant. Tenant admins only (a "
                    + "member removing themselves may too); the tenant's last admin cannot be removed.")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "409", description = "The last admin cannot be removed")
    public Uni<Response> remove(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        var userId = Ids.parse(id, "user_not_found", "member");
        return access.resolve(tenant).chain(ctx -> members.remove(ctx, userId))
                .map(v -> Response.noContent().build());
    }

    @DELETE
    @Path("/{id}/sessions")
    @Operation(operationId = "revokeMemberSessions", summary = "Revoke all sessions of a member",
            description = "Revokes every live session of a member in the tenant; the membership stays. Tenant admins only.")
    @APIResponse(responseCode = "204", description = "Revoked")
    public Uni<Response> revokeSessions(@PathParam("tenant") String tenant, @PathParam("id") String id) {
        var userId = Ids.parse(id, "user_not_found", "member");
        return access.resolve(tenant).chain(ctx -> members.revokeSessions(ctx, userId))
                .map(n -> Response.noContent().build());
    }

    static Role parseRole(String role) {
        try {
            return Role.fromWire(role);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("invalid_role", "Unknown role '" + role + "'; use admin, member or viewer.");
        }
    }
}
