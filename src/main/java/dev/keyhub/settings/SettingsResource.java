package dev.keyhub.settings;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.common.ProblemException;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** Tenant settings: JSON values under short keys, managed by tenant admins. */
@Path("/api/tenants/{tenant}/settings")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Settings")
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a tenant admin, or another tenant's token")
@APIResponse(responseCode = "404", description = "Unknown tenant or setting")
public class SettingsResource {

    static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
    static final int MAX_VALUE_CHARS = 65_536;

    private final TenantAccess access;
    private final Settings settings;

    public SettingsResource(TenantAccess access, Settings settings) {
        this.access = access;
        this.settings = settings;
    }

    /** Body of PUT: {@code {"value": <any JSON>}}. */
    @Schema(name = "SettingValue", example = "{\"value\": {\"theme\": \"dark\", \"weeklyDigest\": true}}")
    public record Value(@NotNull JsonNode value) {
    }

    @GET
    @Operation(operationId = "listSettings", summary = "List settings",
            description = "All of the tenant's settings, ordered by key, each with its JSON value and when it last "
                    + "changed. Needs the tenant's admin role.")
    @APIResponse(responseCode = "200", description = "The settings")
    public Uni<List<Settings.Setting>> list(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN)).chain(settings::list);
    }

    @GET
    @Path("/{key}")
    @Operation(operationId = "getSetting", summary = "Get a setting",
            description = "One setting by its key (1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or "
                    + "digit). Needs the tenant's admin role.")
    @APIResponse(responseCode = "200", description = "The setting")
    @APIResponse(responseCode = "400", description = "Invalid key")
    public Uni<Settings.Setting> get(@PathParam("tenant") String tenant,
            @Parameter(description = "The setting's key: 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            @PathParam("key") String key) {
        checkKey(key);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN)).chain(ctx -> settings.get(ctx, key));
    }

    @PUT
    @Path("/{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(operationId = "putSetting", summary = "Set a setting",
            description = "Creates the setting or replaces its value with any JSON value of at most 64 KiB. "
                    + "Needs the tenant's admin role; the change is audited.")
    @APIResponse(responseCode = "200", description = "The setting as stored")
    @APIResponse(responseCode = "400", description = "Invalid key or value")
    public Uni<Settings.Setting> put(@PathParam("tenant") String tenant,
            @Parameter(description = "The setting's key: 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            @PathParam("key") String key, @NotNull @Valid Value body) {
        checkKey(key);
        String json = body.value().toString();
        if (json.length() > MAX_VALUE_CHARS) {
            throw ProblemException.badRequest("value_too_large", "A setting's value is at most 64 KiB of JSON.");
        }
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN)).chain(ctx -> settings.put(ctx, key, json));
    }

    @DELETE
    @Path("/{key}")
    @Operation(operationId = "deleteSetting", summary = "Remove a setting",
            description = "Removes the setting; a key that has none is a 404. Needs the tenant's admin role; the change "
                    + "is audited.")
    @APIResponse(responseCode = "204", description = "Removed")
    @APIResponse(responseCode = "400", description = "Invalid key")
    public Uni<Response> delete(@PathParam("tenant") String tenant,
            @Parameter(description = "The setting's key: 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")
            @PathParam("key") String key) {
        checkKey(key);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN)).chain(ctx -> settings.delete(ctx, key))
                .map(done -> Response.noContent().build());
    }

    private static void checkKey(String key) {
        if (!KEY.matcher(key).matches()) {
            throw ProblemException.badRequest("invalid_key",
                    "A setting key is 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.");
        }
    }
}
