package dev.keyhub.audit;

import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.KeysetQuery;
import dev.keyhub.tenancy.TenantContext;

/**
 * Writes the tenant audit log, in the same transaction as the change it records, so that a change and its
 * record are kept or lost together.
 */
@ApplicationScoped
public class Audit {

    private static final String INSERT = """
            INSERT INTO audit_log (actor_user_id, action, resource_type, resource_id, details, ip_address)
            VALUES ($1, $2, $3, $4, $5, $6::text::inet)""";
    private static final String LIST = """
            SELECT id, created_at, actor_user_id, action, resource_type, resource_id, details, ip_address::text AS ip
            FROM audit_log""";

    /** An entry of the tenant's audit log. */
    public record AuditLogEntry(UUID id, OffsetDateTime at, UUID actor, String action, String resourceType, String resourceId,
            JsonObject details, String ip) {

        static AuditLogEntry of(Row r) {
            return new AuditLogEntry(r.getUUID("id"), r.getOffsetDateTime("created_at"), r.getUUID("actor_user_id"),
                    r.getString("action"), r.getString("resource_type"), r.getString("resource_id"),
                    r.getJsonObject("details"), r.getString("ip"));
        }
    }

    /** A listing of the log whose filters and cursor are checked (400 when not valid), to run on a tenant's connection. */
    public record Listing(KeysetQuery query) {

        public Uni<CursorPage<AuditLogEntry>> on(SqlClient c) {
            return c.preparedQuery(query.sql()).execute(query.args())
                    .map(rows -> query.result(rows, AuditLogEntry::of, e -> new Cursor(e.at(), e.id())));
        }
    }

    /**
     * Entries newest first, optionally of one action and from/to a time. Fails with 400 for a bad action,
     * cursor or size before anything is read.
     */
    public Listing listing(String action, OffsetDateTime from, OffsetDateTime to, String cursor, String size) {
        return new Listing(KeysetQuery.of(LIST)
                .action(action)
                .where("created_at", ">=", from)
                .where("created_at", "<", to)
                .page(cursor, size));
    }

    /** Records an action by the caller of {@code ctx}. */
    public Uni<Void> record(SqlClient tx, TenantContext ctx, String action, String resourceType, Object resourceId,
            JsonObject details) {
        return record(tx, ctx.member().userId(), ctx.clientIp(), action, resourceType, resourceId, details);
    }

    /** Records an action by a given user (for instance one who just joined). */
    public Uni<Void> record(SqlClient tx, UUID actor, String ip, String action, String resourceType, Object resourceId,
            JsonObject details) {
        return tx.preparedQuery(INSERT).execute(Tuple.tuple(java.util.Arrays.asList(actor, action, resourceType,
                resourceId == null ? null : resourceId.toString(), details, ip))).replaceWithVoid();
    }
}
