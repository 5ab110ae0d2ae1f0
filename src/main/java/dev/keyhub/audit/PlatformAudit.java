package dev.keyhub.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.Tenant;
import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.KeysetQuery;

/**
 * The platform audit log in the catalog: every admin action, who took it, on which tenant, and how it ended; and
 * what the recovery sweep finished.
 */
@ApplicationScoped
public class PlatformAudit {

    private static final Logger LOG = Logger.getLogger(PlatformAudit.class);
    /** An escaped NUL in JSON text: backslash-u-0000 not itself escaped (an even number of backslashes before it). */
    private static final Pattern NUL = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");
    private static final String INSERT = """
            INSERT INTO platform_audit_log (actor, action, tenant_id, outcome, details) VALUES ($1, $2, $3, $4, $5)""";
    /** What the recovery sweep finished, as actor {@code keyhub-recovery}, with one text detail. */
    private static final String INSERT_RECOVERY = """
            INSERT INTO platform_audit_log (actor, action, tenant_id, outcome, details)
            VALUES ('keyhub-recovery', ?, ?, 'success', jsonb_build_object(?::text, ?::text))""";
    private static final String LIST = """
            SELECT id, created_at, actor, action, tenant_id, outcome, details FROM platform_audit_log""";

    private final Pool catalog;

    public PlatformAudit(Pool catalog) {
        this.catalog = catalog;
    }

    /** An entry of the platform audit log. */
    public record PlatformAuditEntry(UUID id, OffsetDateTime at, String actor, String action, UUID tenantId, String outcome,
            JsonObject details) {

        static PlatformAuditEntry of(Row r) {
            return new PlatformAuditEntry(r.getUUID("id"), r.getOffsetDateTime("created_at"), r.getString("actor"),
                    r.getString("action"), r.getUUID("tenant_id"), r.getString("outcome"), r.getJsonObject("details"));
        }
    }

    /** Entries newest first, optionally of one tenant and one action; 400 for a bad action, cursor or size. */
    public Uni<CursorPage<PlatformAuditEntry>> page(UUID tenantId, String action, String cursor, String size) {
        KeysetQuery query = KeysetQuery.of(LIST).where("tenant_id", "=", tenantId).action(action).page(cursor, size);
        return catalog.preparedQuery(query.sql()).execute(query.args())
                .map(rows -> query.result(rows, PlatformAuditEntry::of, e -> new Cursor(e.at(), e.id())));
    }

    /**
     * Runs an admin action and records its outcome (for an action that returns a tenant, that tenant's id). The action's own result or failure is what the caller
     * gets; a failure to write the record is logged, never hidden behind the action's outcome.
     */
    public <T> Uni<T> audited(String actor, String action, UUID tenantId, JsonObject details, Uni<T> work) {
        return work
                .call(result -> record(actor, action, result instanceof Tenant t ? t.id : tenantId, "success", details))
                .onFailure().call(e -> record(actor, action, tenantId, "failure",
                        (details == null ? new JsonObject() : details.copy()).put("error", errorCode(e))));
    }

    private Uni<Void> record(String actor, String action, UUID tenantId, String outcome, JsonObject details) {
        return catalog.preparedQuery(INSERT).execute(Tuple.tuple(Arrays.asList(actor, action, tenantId, outcome, storable(details))))
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.errorf(e, "could not write the platform audit log: %s", e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /** jsonb cannot hold NUL; a request value carrying one must not cost the audit record. */
    private static JsonObject storable(JsonObject details) {
        if (details == null) {
            return null;
        }
        String json = details.encode();
        return json.contains("\\u0000") ? new JsonObject(NUL.matcher(json).replaceAll("$1\\\\ufffd")) : details;
    }

    private static String errorCode(Throwable e) {
        return e instanceof dev.keyhub.common.ProblemException p ? p.code() : "internal_error";
    }

    /**
     * Records, on the caller's JDBC connection, what the recovery sweep finished ({@code key} and {@code value}
     * become the details), since the request that started the work left no record of it.
     */
    public static void recordRecovery(Connection c, String action, UUID tenantId, String key, String value)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT_RECOVERY)) {
            ps.setString(1, action);
            ps.setObject(2, tenantId);
            ps.setString(3, key);
            ps.setString(4, value);
            ps.executeUpdate();
        }
    }
}
