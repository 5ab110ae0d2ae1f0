package dev.keyhub.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Spare tenant databases ({@code spare_databases}): reserved in one statement under an advisory lock, marked
 * ready once copied, dropped when outdated or abandoned. Named statements on the catalog pool, because the
 * top-up continues on whatever thread a database copy finished on, where no Hibernate session can run.
 * Provisioning claims a spare inside its own placement statement.
 */
@ApplicationScoped
public class SpareStore {

    /** Taken for the reservation's transaction, so that replicas topping up at once do not both reserve. */
    private static final long LOCK = 0x6b68_7370L; // "khsp"

    /** Up to {@code $1} spares per active server with a template, whose credentials this replica has. */
    private static final String RESERVE = """
            WITH lock AS (SELECT pg_try_advisory_xact_lock($2) AS held)
            INSERT INTO spare_databases (id, db_server_id, schema_version, product_version, state)
            SELECT gen_random_uuid(), s.id, s.template_version, s.template_product_version, 'creating'
            FROM lock, db_servers s
            CROSS JOIN LATERAL generate_series(1, greatest(0, $1 - (
                SELECT count(*) FROM spare_databases sd WHERE sd.db_server_id = s.id)::int))
            WHERE lock.held AND s.status = 'active' AND s.template_version IS NOT NULL
              AND (s.uses_catalog_connection OR s.credentials_ref = ANY($3::text[]))
            RETURNING id, db_server_id""";

    /** Ready spares behind their server's template (in either changelog), and spares still being created after {@code $1} seconds. */
    private static final String OBSOLETE = """
            SELECT sd.id, sd.db_server_id FROM spare_databases sd JOIN db_servers s ON s.id = sd.db_server_id
            WHERE (sd.state = 'ready' AND (sd.schema_version IS DISTINCT FROM s.template_version
                    OR sd.product_version IS DISTINCT FROM s.template_product_version))
               OR (sd.state = 'creating' AND sd.created_at < now() - $1 * interval '1 second')""";
    private static final String READY = "UPDATE spare_databases SET state = 'ready' WHERE id = $1";
    private static final String DELETE = "DELETE FROM spare_databases WHERE id = $1";

    private final Pool catalog;

    public SpareStore(Pool catalog) {
        this.catalog = catalog;
    }

    /** A spare: its id (which becomes a tenant's) and its server. */
    public record Spare(UUID id, String serverId) {
    }

    /** Records the spares that are missing, in state {@code creating}; none when another replica is reserving. */
    public Uni<List<Spare>> reserve(int perServer, String[] credentials) {
        return catalog.withTransaction(c -> c.preparedQuery(RESERVE).execute(Tuple.of(perServer, LOCK, credentials)))
                .map(SpareStore::spares);
    }

    public Uni<List<Spare>> obsolete(Duration staleAfter) {
        return catalog.preparedQuery(OBSOLETE).execute(Tuple.of(staleAfter.toSeconds())).map(SpareStore::spares);
    }

    public Uni<Void> markReady(UUID id) {
        return catalog.preparedQuery(READY).execute(Tuple.of(id)).replaceWithVoid();
    }

    public Uni<Void> delete(UUID id) {
        return catalog.preparedQuery(DELETE).execute(Tuple.of(id)).replaceWithVoid();
    }

    private static List<Spare> spares(RowSet<Row> rows) {
        List<Spare> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new Spare(r.getUUID("id"), r.getString("db_server_id")));
        }
        return out;
    }
}
