package dev.keyhub.user;

import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.membership.MemberView;
import dev.keyhub.membership.MembershipService;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantContext;

/** The caller in a tenant ('current' = the tenant named by the token's tenant claim). */
@Path("/api/tenants/{tenant}/me")
@Tag(name = "Profile")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Token of another tenant, not a member, or tenant suspended")
@APIResponse(responseCode = "404", description = "Unknown tenant")
@APIResponse(responseCode = "503", description = "The tenant's database is busy or unreachable; see Retry-After")
public class MeResource {

    private final TenantAccess access;
    private final MembershipService members;

    public MeResource(TenantAccess access, MembershipService members) {
        this.access = access;
        this.members = members;
    }

    @Schema(requiredProperties = {"id", "slug"})
    public record TenantSummary(UUID id, String slug) {
    }

    @Schema(requiredProperties = {"id", "email", "role", "tenant"})
    public record MeView(UUID id, String email, String name, String icon, Role role, TenantSummary tenant) {

        static MeView of(TenantContext ctx, MemberView m) {
            return new MeView(m.id(), m.email(), m.name(), m.icon(), m.role(),
                    new TenantSummary(ctx.tenant().id(), ctx.tenant().slug()));
        }
    }

    /** Body of PATCH /me: a field left out (or null) is not changed. */
    @Schema(example = "{\"name\": \"Alice Example\", \"icon\": \"https://example.com/avatars/alice.png\"}")
    public record ProfileUpdate(@Size(min = 1, max = 200) String name, @Size(max = 2048) String icon) {
    }

    @GET
    @Operation(operationId = "getProfile", summary = "Get the caller's profile in the tenant",
            description = "Returns the caller's user (id, email, name, icon), their role in the tenant and the tenant's id "
                    + "and slug. Any member may call it; the membership is read from the tenant's database, not a cache.")
    @APIResponse(responseCode = "200", description = "The caller's profile and role")
    public Uni<MeView> me(@PathParam("tenant") String tenant) {
        return access.resolveFresh(tenant).map(ctx -> new MeView(ctx.member().userId(), ctx.member().email(),
                ctx.member().name(), ctx.member().icon(), ctx.member().role(),
                new TenantSummary(ctx.tenant().id(), ctx.tenant().slug())));
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "updateProfile", summary = "Change the caller's name or icon",
            description = "Changes the caller's own name and/or icon; a field left out or null is not changed. Any member "
                    + "may call it. Returns the updated profile.")
    @APIResponse(responseCode = "200", description = "The updated profile")
    @APIResponse(responseCode = "400", description = "Invalid body")
    public Uni<MeView> update(@PathParam("tenant") String tenant, @Valid @NotNull ProfileUpdate body) {
        return access.resolve(tenant).chain(ctx -> members.updateProfile(ctx, body.name(), body.icon())
                .map(m -> MeView.of(ctx, m)));
    }

    @DELETE
    @Path("/membership")
    @Operation(operationId = "leaveTenant", summary = "Leave the tenant",
            description = "Ends the caller's membership in the tenant and revokes the caller's sessions in it. Any member "
                    + "may leave, except the tenant's last admin.")
    @APIResponse(responseCode = "204", description = "Left")
    @APIResponse(responseCode = "409", description = "The last admin cannot leave")
    public Uni<Response> leave(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).chain(ctx -> members.remove(ctx, ctx.member().userId()))
                .map(v -> Response.noContent().build());
    }
}
