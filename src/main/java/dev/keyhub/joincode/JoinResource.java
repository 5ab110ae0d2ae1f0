package dev.keyhub.joincode;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.tenancy.TenantAccess;

/** Any signed-in user joins a tenant with a join code; the code names the tenant. */
@Path("/api/join")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class JoinResource {

    private final TenantAccess access;
    private final JoinCodeService codes;

    public JoinResource(TenantAccess access, JoinCodeService codes) {
        this.access = access;
        this.codes = codes;
    }

    public record Join(@NotNull @Size(max = 64) String code) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Redeem a join code: become a member of its tenant with the code's role")
    @APIResponse(responseCode = "200", description = "Joined")
    @APIResponse(responseCode = "400", description = "Invalid body, or the token has no email")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "The token or session belongs to another tenant than the code's")
    @APIResponse(responseCode = "404", description = "The code is not valid")
    @APIResponse(responseCode = "409", description = "Already a member, or the email is used by another member")
    @APIResponse(responseCode = "410", description = "The code was revoked, has expired or is used up")
    @APIResponse(responseCode = "429", description = "Too many failed attempts; see Retry-After")
    public Uni<JoinCodeService.Joined> join(@Valid @NotNull Join body) {
        return codes.redeem(access.caller(), access.boundTenant(), access.email(), access.clientIp(), body.code());
    }
}
