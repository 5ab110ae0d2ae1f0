package dev.keyhub.provisioning;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import dev.keyhub.catalog.TenantType;
import dev.keyhub.common.OrganizationSlug;
import dev.keyhub.common.Slug;

/** Body of {@code POST /admin/tenants}. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(example = "{\"slug\": \"acme\", \"name\": \"Acme Corporation\", "
        + "\"type\": \"team\", \"owner\": {\"subject\": \"0b9e7c1e-5f43-4c1a-9d1e-3c6f0f6a2b11\", "
        + "\"email\": \"alice@example.com\", \"name\": \"Alice Example\"}, \"region\": \"eu-west\", "
        + "\"organization\": \"acme\"}")
public record CreateTenantRequest(
        @NotNull @Slug String slug,
        @NotBlank @Size(max = 200) String name,
        TenantType type,
        @NotNull @Valid Owner owner,
        @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,31}", message = "must be a region name such as eu-west") String region,
        @OrganizationSlug String organization) {

    /** The tenant's first admin, as the identity provider knows them. */
    public record Owner(
            @NotBlank @Size(max = 255) String subject,
            @NotBlank @Email @Size(min = 3, max = 320) String email,
            @Size(max = 200) String name) {
    }

    TenantType typeOrDefault() {
        return type == null ? TenantType.TEAM : type;
    }
}
