package dev.keyhub.audit;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

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
