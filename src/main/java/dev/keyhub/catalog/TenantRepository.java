package dev.keyhub.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The tenants of the catalog. Plain reads go through Hibernate Reactive. {@link #liveRef} is a named statement on
 * the catalog pool, because it also runs while a request is authenticated, where no Hibernate session can be
 * opened; so are the writes of provisioning and the lifecycle, which run in chains that continue on whatever
 * thread a database server answered on, and the placement, which the ORM cannot say. The statements of moves and
 * of the recovery sweep are static helpers on a JDBC connection the caller holds, because those run blocking on
 * a worker thread.
 */
@ApplicationScoped
public class TenantRepository implements PanacheRepositoryBase<Tenant, UUID> {

    private static final String LIVE_REF = """
            SELECT id, slug, status, db_server_id, database_name, schema_version, product_version, frozen_for FROM tenants
            WHERE id = $1 AND status NOT IN ('DELETED', 'FAILED')""";

    /**
     * In one statement: places the tenant on an active server with room whose credentials this replica has, in
     * the requested region if one there has room, else the least loaded relative to its capacity; claims a spare
     * database there if one is ready at the template's version (its id becomes the tenant's), and records the
     * tenant as PROVISIONING. A slug conflict rolls the whole statement back, spare included.
     */
    private static final String RECORD = """
            WITH placed AS (
                SELECT s.id, s.template_version, s.template_product_version FROM db_servers s
                LEFT JOIN tenants t ON t.db_server_id = s.id AND t.status NOT IN ('DELETED', 'FAILED')
                WHERE s.status = 'active' AND (s.uses_catalog_connection OR s.credentials_ref = ANY($9::text[]))
                GROUP BY s.id, s.capacity, s.template_version, s.template_product_version
                HAVING count(t.id) < s.capacity
                ORDER BY (s.region IS NOT DISTINCT FROM $7::text) DESC, count(t.id)::float8 / greatest(s.capacity, 1), s.id
                LIMIT 1),
            spare AS (
                DELETE FROM spare_databases WHERE id = (
                    SELECT sd.id FROM spare_databases sd, placed
                    WHERE sd.db_server_id = placed.id AND sd.state = 'ready'
                      AND sd.schema_version = placed.template_version
                      AND sd.product_version IS NOT DISTINCT FROM placed.template_product_version AND $6
                    ORDER BY sd.created_at LIMIT 1
                    FOR UPDATE OF sd SKIP LOCKED)
                RETURNING id),
            chosen AS (SELECT coalesce((SELECT id FROM spare), $1::uuid) AS id)
            INSERT INTO tenants (id, slug, name, type, status, db_server_id, database_name, organization_id)
            SELECT chosen.id, $2, $3, $4, 'PROVISIONING', placed.id, $5 || replace(chosen.id::text, '-', ''), $8
            FROM placed, chosen
            RETURNING id, db_server_id, database_name, created_at, EXISTS (SELECT 1 FROM spare) AS from_spare""";

    private static final String RECORD_CLONE = """
            INSERT INTO tenants (id, slug, name, type, status, db_server_id, database_name)
            SELECT $1, $2, $3, s.type, 'PROVISIONING', s.db_server_id, $4 FROM tenants s
            WHERE s.id = $5 AND s.status IN ('ACTIVE', 'SUSPENDED')
            RETURNING db_server_id, created_at, type""";

    private static final String ACTIVATE = """
            UPDATE tenants SET status = 'ACTIVE', schema_version = $2, product_version = $3
            WHERE id = $1 AND status = 'PROVISIONING' RETURNING updated_at""";
    private static final String REMOVE = "DELETE FROM tenants WHERE id = $1";
    private static final String MARK_FAILED = "UPDATE tenants SET status = 'FAILED', failure = $2 WHERE id = $1";
    private static final String TRANSITION = "UPDATE tenants SET status = $3 WHERE id = $1 AND status = $2";
    private static final String MARK_DELETING = "UPDATE tenants SET status = 'DELETING' WHERE id = $1";
    private static final String MARK_DELETED = """
            UPDATE tenants SET status = 'DELETED', deleted_at = now(), purge_after = now() + $2 * interval '1 second'
            WHERE id = $1""";
    private static final String UNDELETE = """
            UPDATE tenants SET status = 'ACTIVE', deleted_at = NULL, purge_after = NULL
            WHERE id = $1 AND status = 'DELETED' AND purged_at IS NULL AND purge_after > now()""";
    private static final String MARK_PURGED = """
            UPDATE tenants SET status = 'DELETED', deleted_at = coalesce(deleted_at, now()), purged_at = now()
            WHERE id = $1""";

    /** Moves left unfinished for {@code ?} (an interval): the copy to drop, and on which side of the switch. */
    private static final String INTERRUPTED_MOVES = """
            SELECT id, database_name, coalesce(moving_to, moving_from) AS server_id, moving_to IS NOT NULL AS before_switch
            FROM tenants
            WHERE (moving_to IS NOT NULL OR moving_from IS NOT NULL) AND updated_at < now() - ?::interval""";
    private static final String UNDO_MOVE = """
            UPDATE tenants SET moving_to = NULL, frozen_for = NULL WHERE id = ? AND frozen_for = 'MOVE'""";
    private static final String OLD_COPY_DROPPED = "UPDATE tenants SET moving_from = NULL WHERE id = ?";
    private static final String LIVE_DATABASE = """
            SELECT 1 FROM tenants WHERE db_server_id = ? AND database_name = ? AND status IN ('ACTIVE', 'SUSPENDED')""";

    /** Creations and deletions left unfinished for {@code ?} (an interval), and deletions past their grace period. */
    private static final String UNFINISHED = """
            SELECT t.id, t.status, t.database_name, %s
            FROM tenants t JOIN db_servers s ON s.id = t.db_server_id
            WHERE t.status = 'FAILED'
               OR (t.status IN ('PROVISIONING', 'DELETING') AND t.updated_at < now() - ?::interval)
               OR (t.status = 'DELETED' AND t.purged_at IS NULL AND t.purge_after < now())
            LIMIT 100""".formatted(ServerStore.COLUMNS);
    private static final String PURGE_UNFINISHED = """
            UPDATE tenants SET status = 'DELETED', deleted_at = coalesce(deleted_at, now()), purged_at = now()
            WHERE id = ? AND status = ?""";
    private static final String REMOVE_UNFINISHED = "DELETE FROM tenants WHERE id = ? AND status = ?";

    private static final String MOVE_SOURCE = """
            SELECT t.slug, t.database_name, t.schema_version, t.product_version, t.status, t.moving_to, t.db_server_id
            FROM tenants t WHERE t.id = ?""";
    private static final String BEGIN_MOVE = """
            UPDATE tenants SET moving_to = ?, frozen_for = 'MOVE'
            WHERE id = ? AND moving_to IS NULL AND frozen_for IS NULL""";
    private static final String END_MOVE = """
            UPDATE tenants SET moving_from = CASE WHEN ?::text IS NULL THEN NULL ELSE db_server_id END,
                   db_server_id = coalesce(?, db_server_id), moving_to = NULL, frozen_for = NULL
            WHERE id = ?""";

    private final Pool catalog;

    public TenantRepository(Pool catalog) {
        this.catalog = catalog;
    }

    /** The live (not deleted, not failed) tenant with this id, as the request path needs it. */
    public Uni<Optional<TenantRef>> liveRef(UUID id) {
        return catalog.preparedQuery(LIVE_REF).execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            String frozen = r.getString("frozen_for");
            return Optional.of(new TenantRef(r.getUUID("id"), r.getString("slug"), TenantStatus.valueOf(r.getString("status")),
                    r.getString("db_server_id"), r.getString("database_name"), r.getString("schema_version"),
                    r.getString("product_version"), frozen == null ? null : Freeze.valueOf(frozen)));
        });
    }

    /** The live (not deleted, not failed) tenant with this slug, or an empty optional. */
    @WithSession
    public Uni<Optional<Tenant>> findLiveBySlug(String slug) {
        return find("slug = ?1 and status not in (?2, ?3)", slug, TenantStatus.DELETED, TenantStatus.FAILED)
                .firstResult().map(Optional::ofNullable);
    }

    @WithSession
    public Uni<Boolean> existsDeletedWithSlug(String slug) {
        return count("slug = ?1 and status = ?2", slug, TenantStatus.DELETED).map(n -> n > 0);
    }

    /** A page of tenants, newest first, optionally only those in one state. */
    @WithSession
    public Uni<List<Tenant>> page(Optional<TenantStatus> status, int page, int size) {
        Sort order = Sort.descending("createdAt").and("id");
        return (status.isPresent() ? find("status", order, status.get()) : findAll(order))
                .page(Page.of(page, size)).list();
    }

    @WithSession
    public Uni<Long> countPage(Optional<TenantStatus> status) {
        return status.isPresent() ? count("status", status.get()) : count();
    }

    @WithSession
    public Uni<Optional<Tenant>> findOne(UUID id) {
        return findById(id).map(Optional::ofNullable);
    }

    /** Where {@link #record} placed a new tenant, and whether it took a spare database. */
    public record Placed(UUID id, String dbServerId, String databaseName, OffsetDateTime createdAt, boolean fromSpare) {
    }

    /**
     * Places a new tenant and records it as PROVISIONING, claiming a spare when {@code useSpares}; empty when no
     * server has room. A taken slug fails with the database's unique violation, an organization at its quota
     * with SQLSTATE KH001 (its trigger).
     */
    public Uni<Optional<Placed>> record(UUID id, String slug, String name, TenantType type, String databasePrefix,
            boolean useSpares, String region, UUID organization, String[] credentials) {
        return catalog.preparedQuery(RECORD).execute(Tuple.tuple(Arrays.asList(id, slug, name, type.wireName(),
                databasePrefix, useSpares, region, organization, credentials))).map(rows -> {
                    if (rows.size() == 0) {
                        return Optional.empty();
                    }
                    Row r = rows.iterator().next();
                    return Optional.of(new Placed(r.getUUID("id"), r.getString("db_server_id"), r.getString("database_name"),
                            r.getOffsetDateTime("created_at"), r.getBoolean("from_spare")));
                });
    }

    /** Where {@link #recordClone} put a clone, and the type it took from its source. */
    public record Cloned(String dbServerId, OffsetDateTime createdAt, TenantType type) {
    }

    /** Records a clone of an active or suspended tenant as PROVISIONING on its server; empty for any other source. */
    public Uni<Optional<Cloned>> recordClone(UUID id, String slug, String name, String databaseName, UUID source) {
        return catalog.preparedQuery(RECORD_CLONE).execute(Tuple.of(id, slug, name, databaseName, source)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row r = rows.iterator().next();
            return Optional.of(new Cloned(r.getString("db_server_id"), r.getOffsetDateTime("created_at"),
                    TenantType.fromWire(r.getString("type"))));
        });
    }

    /** PROVISIONING → ACTIVE at {@code version}; the row's new {@code updated_at}, empty when it was not provisioning. */
    public Uni<Optional<OffsetDateTime>> activate(UUID id, SchemaVersions versions) {
        return catalog.preparedQuery(ACTIVATE).execute(Tuple.of(id, versions.keyhub(), versions.product())).map(rows -> rows.size() == 0
                ? Optional.empty() : Optional.of(rows.iterator().next().getOffsetDateTime("updated_at")));
    }

    /** Removes the row of a tenant whose creation was undone. */
    public Uni<Void> remove(UUID id) {
        return catalog.preparedQuery(REMOVE).execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Marks a tenant FAILED, for the recovery sweep to clean up. */
    public Uni<Void> markFailed(UUID id, String failure) {
        return catalog.preparedQuery(MARK_FAILED).execute(Tuple.of(id, failure)).replaceWithVoid();
    }

    /** {@code from} → {@code to}; false when the tenant was not in {@code from}. */
    public Uni<Boolean> transition(UUID id, TenantStatus from, TenantStatus to) {
        return catalog.preparedQuery(TRANSITION).execute(Tuple.of(id, from.name(), to.name())).map(rows -> rows.rowCount() > 0);
    }

    /** DELETING: its database is about to be dropped (the recovery sweep finishes a crash). */
    public Uni<Void> markDeleting(UUID id) {
        return catalog.preparedQuery(MARK_DELETING).execute(Tuple.of(id)).replaceWithVoid();
    }

    /** DELETED with its database kept until {@code grace} from now. */
    public Uni<Void> markDeleted(UUID id, Duration grace) {
        return catalog.preparedQuery(MARK_DELETED).execute(Tuple.of(id, grace.toSeconds())).replaceWithVoid();
    }

    /**
     * DELETED (kept, inside its grace period) → ACTIVE. False when it is not such a tenant; fails with a unique
     * violation when another live tenant has taken its slug meanwhile.
     */
    public Uni<Boolean> undelete(UUID id) {
        return catalog.preparedQuery(UNDELETE).execute(Tuple.of(id)).map(rows -> rows.rowCount() > 0);
    }

    /** DELETED with its database dropped. */
    public Uni<Void> markPurged(UUID id) {
        return catalog.preparedQuery(MARK_PURGED).execute(Tuple.of(id)).replaceWithVoid();
    }

    /** Every active or suspended tenant, by slug. */
    @WithSession
    public Uni<List<Tenant>> activeOrSuspended() {
        return list("status in ?1", Sort.by("slug"), List.of(TenantStatus.ACTIVE, TenantStatus.SUSPENDED));
    }

    // --- On a JDBC connection, for the recovery sweep and moves ---------------------------------------------

    /** A move a replica left unfinished: the copy to drop is {@code databaseName} on {@code serverId}. */
    public record InterruptedMove(UUID tenantId, String databaseName, String serverId, boolean beforeSwitch) {
    }

    /** Moves not touched for {@code staleAfter}: the replica that ran them is taken to be gone. */
    public static List<InterruptedMove> interruptedMoves(Connection c, Duration staleAfter) throws SQLException {
        List<InterruptedMove> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(INTERRUPTED_MOVES)) {
            ps.setString(1, staleAfter.toSeconds() + " seconds");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new InterruptedMove(rs.getObject("id", UUID.class), rs.getString("database_name"),
                            rs.getString("server_id"), rs.getBoolean("before_switch")));
                }
            }
        }
        return result;
    }

    /** Forgets a move stopped before its switch: the tenant stays where it was and takes writes again. */
    public static void undoMove(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(UNDO_MOVE)) {
            ps.setObject(1, tenant);
            ps.executeUpdate();
        }
    }

    /** Forgets the old copy of a moved tenant once it is dropped, so that nothing drops it again. */
    public static void oldCopyDropped(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(OLD_COPY_DROPPED)) {
            ps.setObject(1, tenant);
            ps.executeUpdate();
        }
    }

    /** Whether {@code database} on {@code serverId} is an active or suspended tenant's, and so must stay open. */
    public static boolean isLiveDatabase(Connection c, String serverId, String database) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(LIVE_DATABASE)) {
            ps.setString(1, serverId);
            ps.setString(2, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static final String STATUS_BY_DATABASE = """
            SELECT database_name, status FROM tenants
            WHERE db_server_id = ? AND purged_at IS NULL AND status <> 'PROVISIONING'""";

    /**
     * The status of every tenant whose database lives on the server (not purged, not being created), by database
     * name: whose roles may log in. Blocking, for the recovery sweep.
     */
    public static java.util.Map<String, TenantStatus> statusByDatabase(Connection c, String serverId) throws SQLException {
        java.util.Map<String, TenantStatus> found = new java.util.HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(STATUS_BY_DATABASE)) {
            ps.setString(1, serverId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString("database_name"), TenantStatus.valueOf(rs.getString("status")));
                }
            }
        }
        return found;
    }

    /** A tenant the recovery sweep has to finish: its database {@code databaseName} on {@code server} goes. */
    public record Unfinished(UUID id, TenantStatus status, String databaseName, DbServer server) {

        /** A deletion to finish (the row stays, as DELETED), rather than a creation to undo (the row goes). */
        public boolean beingDeleted() {
            return status == TenantStatus.DELETING || status == TenantStatus.DELETED;
        }
    }

    /**
     * Up to 100 tenants left FAILED, PROVISIONING or DELETING for {@code staleAfter}, or DELETED past their grace
     * period and not yet purged, with their servers.
     */
    public static List<Unfinished> unfinished(Connection c, Duration staleAfter) throws SQLException {
        List<Unfinished> result = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(UNFINISHED)) {
            ps.setString(1, staleAfter.toSeconds() + " seconds");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(new Unfinished(rs.getObject("id", UUID.class), TenantStatus.valueOf(rs.getString("status")),
                            rs.getString("database_name"), ServerStore.server(rs)));
                }
            }
        }
        return result;
    }

    /**
     * Once its database is dropped: a deletion is marked purged, a creation's row is removed. Only while the tenant
     * is still in the state it was found in; false when it has left it meanwhile.
     */
    public static boolean finish(Connection c, Unfinished t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(t.beingDeleted() ? PURGE_UNFINISHED : REMOVE_UNFINISHED)) {
            ps.setObject(1, t.id());
            ps.setString(2, t.status().name());
            return ps.executeUpdate() > 0;
        }
    }

    /** What a move needs to know of its tenant; {@code movingTo} is set while another move runs. */
    public record MoveSource(String slug, String databaseName, SchemaVersions versions, TenantStatus status,
            String movingTo, String dbServerId) {
    }

    /**
     * Records a restore over the tenant into {@code into} and makes it read-only; false when it is frozen already
     * (moving, migrating, restoring).
     */
    public static boolean beginRestore(Connection c, UUID tenant, String into) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tenants SET frozen_for = 'RESTORE', restoring_into = ?, restore_heartbeat = now()
                WHERE id = ? AND frozen_for IS NULL AND moving_to IS NULL""")) {
            ps.setString(1, into);
            ps.setObject(2, tenant);
            return ps.executeUpdate() > 0;
        }
    }

    /** The restore is still at work. */
    public static void restoreHeartbeat(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE tenants SET restore_heartbeat = now() WHERE id = ? AND frozen_for = 'RESTORE'")) {
            ps.setObject(1, tenant);
            ps.executeUpdate();
        }
    }

    /** Ends a restore: writable again, at the versions its database is at now. */
    public static void endRestore(Connection c, UUID tenant, SchemaVersions versions) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE tenants SET frozen_for = NULL, restoring_into = NULL, restore_heartbeat = NULL,
                       schema_version = coalesce(?, schema_version), product_version = coalesce(?, product_version)
                WHERE id = ? AND frozen_for = 'RESTORE'""")) {
            ps.setString(1, versions == null ? null : versions.keyhub());
            ps.setString(2, versions == null ? null : versions.product());
            ps.setObject(3, tenant);
            ps.executeUpdate();
        }
    }

    /** A restore whose replica stopped working on it: what it may have left on its server. */
    public record StaleRestore(UUID tenantId, String slug, String databaseName, String restoringInto, String dbServerId,
            TenantStatus status) {
    }

    /** Restores without a heartbeat for {@code staleSeconds}. */
    public static List<StaleRestore> staleRestores(Connection c, long staleSeconds) throws SQLException {
        List<StaleRestore> found = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT id, slug, database_name, restoring_into, db_server_id, status FROM tenants
                WHERE frozen_for = 'RESTORE' AND restore_heartbeat < now() - ? * interval '1 second'""")) {
            ps.setLong(1, staleSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new StaleRestore(rs.getObject("id", UUID.class), rs.getString("slug"),
                            rs.getString("database_name"), rs.getString("restoring_into"), rs.getString("db_server_id"),
                            TenantStatus.valueOf(rs.getString("status"))));
                }
            }
        }
        return found;
    }

    /** The tenant with this id, in whatever state, as a move reads it; empty when there is none. */
    public static Optional<MoveSource> moveSource(Connection c, UUID tenant) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(MOVE_SOURCE)) {
            ps.setObject(1, tenant);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new MoveSource(rs.getString("slug"), rs.getString("database_name"),
                        new SchemaVersions(rs.getString("schema_version"), rs.getString("product_version")),
                        TenantStatus.valueOf(rs.getString("status")),
                        rs.getString("moving_to"), rs.getString("db_server_id")));
            }
        }
    }

    /**
     * Records a move to {@code target} and freezes the tenant for it; false when it is already moving or frozen for
     * another reason, so that two moves, or a move and a migration, never run at once.
     */
    public static boolean beginMove(Connection c, UUID tenant, String target) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(BEGIN_MOVE)) {
            ps.setString(1, target);
            ps.setObject(2, tenant);
            return ps.executeUpdate() > 0;
        }
    }

    /**
     * Ends a move and lifts its freeze: with {@code movedTo}, routes the tenant there and records its old server
     * in {@code moving_from} until the old copy is dropped; with null, leaves it where it was.
     */
    public static void endMove(Connection c, UUID tenant, String movedTo) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(END_MOVE)) {
            ps.setString(1, movedTo);
            ps.setString(2, movedTo);
            ps.setObject(3, tenant);
            ps.executeUpdate();
        }
    }
}
