package dev.keyhub.admin;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;

import dev.keyhub.audit.PlatformAudit;
import dev.keyhub.catalog.Organization;
import dev.keyhub.catalog.OrganizationRepository;
import dev.keyhub.common.OrganizationSlug;
import dev.keyhub.provisioning.ProvisioningConfig;

/**
 * Platform admin: organizations, the customers that own tenants, each with a quota of live tenants. A tenant
 * joins an organization when it is created ({@code organization} in {@code POST /admin/tenants}); creating
 * one past the quota is refused with 409 {@code organization_quota_exceeded}.
 */
@Path("/admin/organizations")
@RolesAllowed("platform-admin")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Organizations")
@APIResponse(responseCode = "401", description = "No valid token")
@APIResponse(responseCode = "403", description = "Not a platform admin")
public class OrganizationsResource {

    private final OrganizationRepository organizations;
    private final PlatformAudit audit;
    private final JsonWebToken caller;
    private final int defaultQuota;

    public OrganizationsResource(OrganizationRepository organizations, PlatformAudit audit, JsonWebToken caller,
            ProvisioningConfig config) {
        this.organizations = organizations;
        this.audit = audit;
        this.caller = caller;
        this.defaultQuota = config.maxTenantsPerOrganization();
    }

    @Schema(example = "{\"slug\": \"acme\", \"name\": \"Acme Corporation\", \"maxTenants\": 25}")
    public record NewOrganization(
            @NotNull @OrganizationSlug String slug,
            @NotBlank @Size(max = 200) String name,
            @Min(0) @Max(1_000_000) Integer maxTenants) {
    }

    @Schema(example = "{\"maxTenants\": 50}")
    public record QuotaChange(@NotNull @Min(0) @Max(1_000_000) Integer maxTenants) {
    }

    public record OrganizationView(UUID id, String slug, String name, int maxTenants, int liveTenants,
            OffsetDateTime createdAt) {

        static OrganizationView of(Organization o) {
            return new OrganizationView(o.id, o.slug, o.name, o.maxTenants, o.liveTenants, o.createdAt);
        }
    }

    @GET
    @Operation(operationId = "listOrganizations", summary = "List organizations",
            description = "Organizations by slug (at most 1000), each with its quota of live tenants and how many it has.")
    @APIResponse(responseCode = "200", description = "The organizations")
    public Uni<List<OrganizationView>> list() {
        return organizations.list(1000).map(all -> all.stream().map(OrganizationView::of).toList());
    }

    @GET
    @Path("/{slug}")
    @Operation(operationId = "getOrganization", summary = "Get an organization",
            description = "One organization, by slug, with its tenant quota and live tenants.")
    @APIResponse(responseCode = "200", description = "The organization")
    @APIResponse(responseCode = "404", description = "Unknown organization")
    public Uni<OrganizationView> get(@Parameter(description = "The organization's slug") @PathParam("slug") String slug) {
        return organizations.bySlug(slug).map(OrganizationView::of);
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "createOrganization", summary = "Create an organization",
            description = "Creates an organization with no tenants yet. maxTenants, its quota of live tenants, defaults "
                    + "to keyhub.provisioning.max-tenants-per-organization.")
    @APIResponse(responseCode = "201", description = "Created; Location names the organization",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = OrganizationView.class)))
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "409", description = "The slug is taken")
    public Uni<Response> create(@Valid @NotNull NewOrganization body) {
        int quota = body.maxTenants() == null ? defaultQuota : body.maxTenants();
        Uni<Response> work = organizations.create(body.slug(), body.name().strip(), quota)
                .map(o -> Response.created(URI.create("/admin/organizations/" + o.slug)).entity(OrganizationView.of(o)).build());
        return audit.audited(caller.getSubject(), "organization.created", null,
                new JsonObject().put("organization", body.slug()).put("maxTenants", quota), work);
    }

    @PATCH
    @Path("/{slug}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "changeOrganizationQuota", summary = "Change an organization's tenant quota",
            description = "Sets the organization's quota of live tenants. A quota below its live tenants removes none: "
                    + "it only stops new ones.")
    @APIResponse(responseCode = "200", description = "Changed")
    @APIResponse(responseCode = "400", description = "Invalid body")
    @APIResponse(responseCode = "404", description = "Unknown organization")
    public Uni<OrganizationView> changeQuota(@Parameter(description = "The organization's slug") @PathParam("slug") String slug, @Valid @NotNull QuotaChange body) {
        Uni<OrganizationView> work = organizations.changeQuota(slug, body.maxTenants()).map(OrganizationView::of);
        return audit.audited(caller.getSubject(), "organization.quota_changed", null,
                new JsonObject().put("organization", slug).put("maxTenants", body.maxTenants()), work);
    }
}
