package dev.keyhub.domains;

import java.net.URI;
import java.util.List;

import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.domains.TenantDomains.DomainView;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** A tenant's domains: claimed, verified by a DNS TXT record, reached by host, and open to auto-join (tenant admins). */
@Path("/api/tenants/{tenant}/domains")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Domains")
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a tenant admin, or another tenant's token or host")
@APIResponse(responseCode = "404", description = "Unknown tenant or domain")
public class DomainsResource {

    private final TenantAccess access;
    private final TenantDomains domains;

    public DomainsResource(TenantAccess access, TenantDomains domains) {
        this.access = access;
        this.domains = domains;
    }

    /** Body of POST: the domain, and the role people at it get when they join by it (none: no auto-join). */
    @Schema(example = "{\"domain\": \"acme.com\", \"autoJoinRole\": \"member\"}")
    public record NewDomain(@NotNull String domain, Role autoJoinRole) {
    }

    /** Body of PATCH: the auto-join role, or null to turn auto-join off. */
    @Schema(example = "{\"autoJoinRole\": \"viewer\"}")
    public record AutoJoin(Role autoJoinRole) {
    }

    @GET
    @Operation(operationId = "listDomains", summary = "List the tenant's domains",
            description = "The tenant's domains, verified or not, ordered by name, each with the DNS TXT record that "
                    + "verifies it and its auto-join role. Needs the tenant's admin role.")
    @APIResponse(responseCode = "200", description = "The domains")
    public Uni<List<DomainView>> list(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).chain(domains::list);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "addDomain", summary = "Claim a domain",
            description = "Claims a domain for the tenant, unverified; publish the TXT record the answer names, then "
                    + "verify it. Needs the tenant's admin role; a domain another tenant has verified, a name under "
                    + "KeyHub's base domain, an admin auto-join role and a 21st domain are refused.")
    @APIResponse(responseCode = "201", description = "Claimed, not yet verified; Location names the domain",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DomainView.class)))
    @APIResponse(responseCode = "400", description = "Not a domain, a name under KeyHub's base domain, or an admin auto-join role")
    @APIResponse(responseCode = "409", description = "Already added, verified by another tenant, or too many domains")
    public Uni<Response> add(@PathParam("tenant") String tenant, @NotNull NewDomain body) {
        return access.resolve(tenant).chain(ctx -> domains.add(ctx, body.domain(), body.autoJoinRole())
                .map(view -> Response.created(URI.create("/api/tenants/" + ctx.tenant().slug() + "/domains/" + view.domain()))
                        .entity(view).build()));
    }

    @POST
    @Path("/{domain}/verify")
    @Operation(operationId = "verifyDomain", summary = "Verify a domain",
            description = "Looks up the domain's DNS TXT record and, when it holds the expected value, marks the domain "
                    + "verified so that its host reaches the tenant; an already verified domain is answered as it is. "
                    + "Needs the tenant's admin role.")
    @APIResponse(responseCode = "200", description = "Verified")
    @APIResponse(responseCode = "400", description = "Not a domain, or a name under KeyHub's base domain")
    @APIResponse(responseCode = "409", description = "Verified by another tenant meanwhile")
    @APIResponse(responseCode = "422", description = "The TXT record is not there (yet)")
    @APIResponse(responseCode = "503", description = "DNS could not be asked")
    public Uni<DomainView> verify(@PathParam("tenant") String tenant,
            @Parameter(description = "The domain, such as example.com")
            @PathParam("domain") String domain) {
        return access.resolve(tenant).chain(ctx -> domains.verify(ctx, domain));
    }

    @PATCH
    @Path("/{domain}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "setDomainAutoJoin", summary = "Set a domain's auto-join role",
            description = "Sets the role (member or viewer) that people whose verified email is at the domain get when "
                    + "they join by it, or turns auto-join off with null. Needs the tenant's admin role; an admin "
                    + "auto-join role is refused.")
    @APIResponse(responseCode = "200", description = "Changed")
    @APIResponse(responseCode = "400", description = "Not a domain, or an admin auto-join role")
    public Uni<DomainView> setAutoJoin(@PathParam("tenant") String tenant,
            @Parameter(description = "The domain, such as example.com")
            @PathParam("domain") String domain, @NotNull AutoJoin body) {
        return access.resolve(tenant).chain(ctx -> domains.setAutoJoin(ctx, domain, body.autoJoinRole()));
    }

    @DELETE
    @Path("/{domain}")
    @Operation(operationId = "removeDomain", summary = "Remove a domain",
            description = "Removes the domain from the tenant: its host no longer reaches the tenant and its auto-join "
                    + "ends. Needs the tenant's admin role; the change is audited.")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "400", description = "Not a domain, or a name under KeyHub's base domain")
    public Uni<Response> remove(@PathParam("tenant") String tenant,
            @Parameter(description = "The domain, such as example.com")
            @PathParam("domain") String domain) {
        return access.resolve(tenant).chain(ctx -> domains.remove(ctx, domain)).map(v -> Response.noContent().build());
    }
}
