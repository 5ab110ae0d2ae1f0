package dev.keyhub.user;

import java.util.UUID;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import dev.keyhub.tenancy.TenantAccess;
import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

@Path("/api/tenants/{tenant}/me")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class MeResource {

    private final TenantAccess access;

    public MeResource(TenantAccess access) {
        this.access = access;
    }

    public record TenantSummary(UUID id, String slug) {
    }

    public record MeView(UUID id, String email, String name, String icon, String role, TenantSummary tenant) {
    }

    @GET
    @Operation(summary = "The caller's user and role in the tenant ('current' = the token's tenant claim)")
    @APIResponse(responseCode = "200", description = "The caller")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "Token of another tenant, not a member, or tenant suspended")
    @APIResponse(responseCode = "404", description = "Unknown tenant")
    @APIResponse(responseCode = "503", description = "The tenant's database is busy or unreachable; see Retry-After")
    public Uni<MeView> me(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).map(ctx -> new MeView(ctx.member().userId(), ctx.member().email(),
                ctx.member().name(), ctx.member().icon(), ctx.member().role(),
                new TenantSummary(ctx.tenant().id(), ctx.tenant().slug())));
    }
}
