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
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.ProblemException;
import dev.keyhub.domains.AutoJoin;
import dev.keyhub.tenancy.TenantAccess;

/**
 * Any signed-in user joins a tenant with a join code (the code names the tenant), or joins a tenant open to the domain
 * of their verified email ({@link AutoJoin}).
 */
@Path("/api/join")
@Tag(name = "Join codes")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class JoinResource {

    private final TenantAccess access;
    private final JoinCodeService codes;
    private final AutoJoin autoJoin;

    public JoinResource(TenantAccess access, JoinCodeService codes, AutoJoin autoJoin) {
        this.access = access;
        this.codes = codes;
        this.autoJoin = autoJoin;
    }

    /** A join code, or (without one) the tenant to join by the domain of one's verified email. */
    @Schema(example = "{\"code\": \"7KQ2M-XW9DA-4RTHC-0PZNB\"}")
    public record Join(@Size(max = 64) String code, @Size(max = 64) String tenant) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "joinTenant", summary = "Join a tenant with a join code or by email domain",
            description = "Redeems a join code: the caller becomes a member of the code's tenant with the code's role. Or, "
                    + "with a tenant (slug or id) instead of a code, joins a tenant open to the domain of the caller's "
                    + "verified email. Any signed-in user may call it, but not with a support session; failed code "
                    + "attempts are rate-limited.")
    @APIResponse(responseCode = "200", description = "Joined")
    @APIResponse(responseCode = "400", description = "Invalid body, neither a code nor a tenant, or the token has no "
            + "(verified) email")
    @APIResponse(responseCode = "401", description = "No valid token")
    @APIResponse(responseCode = "403", description = "The token, session or host belongs to another tenant than the "
            + "code's; the tenant is suspended or not open to the email's domain; or a support session")
    @APIResponse(responseCode = "404", description = "The code is not valid, or no such tenant")
    @APIResponse(responseCode = "409", description = "Already a member, or the email is used by another member")
    @APIResponse(responseCode = "410", description = "The code was revoked, has expired or is used up")
    @APIResponse(responseCode = "429", description = "Too many failed attempts; see Retry-After")
    public Uni<JoinCodeService.Joined> join(@Valid @NotNull Join body) {
        if (access.supportSessionId() != null) {
            throw ProblemException.forbidden("support_read_only", "A support session can read a tenant, never join one.");
        }
        TenantAccess.Caller caller = access.caller();
        String bound = access.boundTenant();
        String ip = access.clientIp();
        if (body.code() != null) {
            String email = access.email();
            return access.hostTenant().chain(host -> codes.redeem(caller, bound, host, email, ip, body.code()));
        }
        if (body.tenant() == null || body.tenant().isBlank()) {
            throw ProblemException.badRequest("join_target_required",
                    "Send a join code ({\"code\": …}) or, to join by your email's domain, a tenant ({\"tenant\": …}).");
        }
        String email = access.verifiedEmail();
        return access.hostTenant().chain(host -> autoJoin.join(caller, email, body.tenant(), bound, host, ip))
                .map(j -> new JoinCodeService.Joined(j.tenantId(), j.tenantSlug(), j.userId(), j.role().wireName()));
    }
}
