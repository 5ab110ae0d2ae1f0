package dev.keyhub.settings;

import java.time.OffsetDateTime;
import java.util.ArrayList;
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
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.Json;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantAccess;

/** Tenant settings: JSON values under short keys, managed by tenant admins. */
@Path("/api/tenants/{tenant}/settings")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
@APIResponse(responseCode = "401", description = "No valid token or session")
@APIResponse(responseCode = "403", description = "Not a tenant admin, or another tenant's token")
@APIResponse(responseCode = "404", description = "Unknown tenant or setting")
public class SettingsResource {

    static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9._-]{0,127}");
    static final int MAX_VALUE_CHARS = 65_536;

    private final TenantAccess access;
    private final TenantPools pools;
    private final Audit audit;

    public SettingsResource(TenantAccess access, TenantPools pools, Audit audit) {
        this.access = access;
        this.pools = pools;
        this.audit = audit;
    }

    public record Setting(String key, Object value, OffsetDateTime updatedAt) {

        static Setting of(Row r) {
            return new Setting(r.getString(0), Json.decodeValue(r.getValue(1).toString()), r.getOffsetDateTime(2));
        }
    }

    /** Body of PUT: {@code {"value": <any JSON>}}. */
    public record Value(@NotNull JsonNode value) {
    }

    @GET
    @Operation(summary = "All settings")
    public Uni<List<Setting>> list(@PathParam("tenant") String tenant) {
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withConnection(ctx.tenant(), c -> c.query(
                        "SELECT key, value::text, updated_at FROM settings ORDER BY key").execute()))
                .map(rows -> {
                    List<Setting> out = new ArrayList<>();
                    rows.forEach(r -> out.add(Setting.of(r)));
                    return out;
                });
    }

    @GET
    @Path("/{key}")
    @Operation(summary = "One setting")
    public Uni<Setting> get(@PathParam("tenant") String tenant, @PathParam("key") String key) {
        checkKey(key);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withConnection(ctx.tenant(), c -> c.preparedQuery(
                        "SELECT key, value::text, updated_at FROM settings WHERE key = $1").execute(Tuple.of(key))))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(key);
                    }
                    return Setting.of(rows.iterator().next());
                });
    }

    @PUT
    @Path("/{key}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set a setting to a JSON value (at most 64 KiB)")
    @APIResponse(responseCode = "400", description = "Invalid key or value")
    public Uni<Setting> put(@PathParam("tenant") String tenant, @PathParam("key") String key,
            @NotNull @Valid Value body) {
        checkKey(key);
        String json = body.value().toString();
        if (json.length() > MAX_VALUE_CHARS) {
            throw ProblemException.badRequest("value_too_large", "A setting's value is at most 64 KiB of JSON.");
        }
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery("""
                        INSERT INTO settings (key, value) VALUES ($1, $2::text::jsonb)
                        ON CONFLICT (key) DO UPDATE SET value = excluded.value
                        RETURNING key, value::text, updated_at""").execute(Tuple.of(key, json))
                        .call(() -> audit.record(tx, ctx, "setting.changed", "setting", key, null))))
                .map(rows -> Setting.of(rows.iterator().next()));
    }

    @DELETE
    @Path("/{key}")
    @Operation(summary = "Remove a setting")
    @APIResponse(responseCode = "204", description = "Removed")
    public Uni<Response> delete(@PathParam("tenant") String tenant, @PathParam("key") String key) {
        checkKey(key);
        return access.resolve(tenant).map(ctx -> ctx.require(Role.ADMIN))
                .chain(ctx -> pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(
                        "DELETE FROM settings WHERE key = $1").execute(Tuple.of(key))
                        .call(rows -> {
                            if (rows.rowCount() == 0) {
                                throw notFound(key);
                            }
                            return audit.record(tx, ctx, "setting.deleted", "setting", key, null);
                        })))
                .map(rows -> Response.noContent().build());
    }

    private static void checkKey(String key) {
        if (!KEY.matcher(key).matches()) {
            throw ProblemException.badRequest("invalid_key",
                    "A setting key is 1 to 128 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.");
        }
    }

    private static ProblemException notFound(String key) {
        return ProblemException.notFound("setting_not_found", "No setting '" + key + "'.");
    }

}
