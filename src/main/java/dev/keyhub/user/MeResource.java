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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.membership.MemberView;
import dev.keyhub.membership.MembershipService;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;
import dev.keyhub.tenancy.TenantContext;

/** The caller in a tenant ('current' = the tenant named by the token's tenant claim). */
@Path("/api/tenants/{tenant}/me")
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

    public record TenantSummary(UUID id, String slug) {
    }

    public record MeView(UUID id, String email, String name, String icon, Role role, TenantSummary tenant) {

        static MeView of(TenantContext ctx, MemberView m) {
            return new MeView(m.id(), m.email(), m.name(), m.icon(), m.role(),
                    new TenantSummary(ctx.tenant().id(), ctx.tenant().slug()));
        }
    }

    /** Body of PATCH /me: a field left out (or null) is not changed. */
    public record ProfileUpdate(@Size(min = 1, max = 200) String name, @Size(max = 2048) String icon) {
    }

    @GET
    @Operation(summary = "The caller's user and role in the tenant")
    public Uni<MeView> me(@PathParam("tenant") String tenant) {
        return access.resolveFresh(tenant).map(ctx -> new MeView(ctx.member().userId(), ctx.member().email(),
                ctx.member().name(), ctx.member().icon(), ctx.member().role(),
                new TenantSummary(ctx.tenant().id(), ctx.tenant().slug())));
    }

    @PATCH
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change the caller's name or icon")
    @APIResponse(responseCode = "400", description = "Invalid body")
    public Uni<MeView> update(@PathParam("tenant") String tenant, @Valid @NotNull ProfileUpdate body) {
        return access.resolve(tenant).chain(ctx -> members.updateProfile(ctx, body.name(), body.icon())
                .map(m -> MeView.of(ctx, m)));
    }

    @DELETE
    @Path("/membership")
    @Operation(summary = "Leave the tenant: the membership ends and the caller's sessions are revoked")
    @APIResponse(responseCode = "204", description = "Left")
    @APIResponse(responseCode = "409", description = "The last admin cannot leave")
    public Uni<Response> leave(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).chain(ctx -> members.remove(ctx, ctx.member().userId()))
                .map(v -> Response.noContent().build());
    }
}
