package dev.keyhub.settings;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.Json;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.TenantContext;

/** The settings table of a tenant's database: reads on its pool, changes in a transaction with their audit entry. */
@ApplicationScoped
public class Settings {

    private static final String LIST = "SELECT key, value::text AS value, updated_at FROM settings ORDER BY key";
    private static final String GET = "SELECT key, value::text AS value, updated_at FROM settings WHERE key = $1";
    private static final String PUT = """
            INSERT INTO settings (key, value) VALUES ($1, $2::text::jsonb)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value
            RETURNING key, value::text AS value, updated_at""";
    private static final String DELETE = "DELETE FROM settings WHERE key = $1";

    private final TenantPools pools;
    private final Audit audit;

    public Settings(TenantPools pools, Audit audit) {
        this.pools = pools;
        this.audit = audit;
    }

    public record Setting(String key, Object value, OffsetDateTime updatedAt) {

        static Setting of(Row r) {
            return new Setting(r.getString("key"), Json.decodeValue(r.getString("value")), r.getOffsetDateTime("updated_at"));
        }
    }

    public Uni<List<Setting>> list(TenantContext ctx) {
        return pools.withConnection(ctx.tenant(), c -> c.query(LIST).execute()).map(Settings::all);
    }

    /** The setting, or 404 {@code setting_not_found}. */
    public Uni<Setting> get(TenantContext ctx, String key) {
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery(GET).execute(Tuple.of(key)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(key);
                    }
                    return Setting.of(rows.iterator().next());
                });
    }

    /** Sets {@code key} to the JSON text {@code json}, audited as {@code setting.changed}. */
    public Uni<Setting> put(TenantContext ctx, String key, String json) {
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(PUT).execute(Tuple.of(key, json))
                        .call(() -> audit.record(tx, ctx, "setting.changed", "setting", key, null)))
                .map(rows -> Setting.of(rows.iterator().next()));
    }

    /** Removes the setting, audited as {@code setting.deleted}; 404 {@code setting_not_found} when there is none. */
    public Uni<Void> delete(TenantContext ctx, String key) {
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery(DELETE).execute(Tuple.of(key))
                .call(rows -> {
                    if (rows.rowCount() == 0) {
                        throw notFound(key);
                    }
                    return audit.record(tx, ctx, "setting.deleted", "setting", key, null);
                })).replaceWithVoid();
    }

    private static List<Setting> all(RowSet<Row> rows) {
        List<Setting> out = new ArrayList<>();
        rows.forEach(r -> out.add(Setting.of(r)));
        return out;
    }

    private static ProblemException notFound(String key) {
        return ProblemException.notFound("setting_not_found", "No setting '" + key + "'.");
    }
}
