package dev.keyhub.tenancy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.pools.TenantPools;

/**
 * The catalog's index of who belongs where ({@code member_index}): identity (issuer, subject) → tenant, user and
 * role, so that "my tenants" is one catalog query. The tenant databases stay the truth; the index follows them.
 *
 * <p>The index and a tenant database are two databases, so no transaction spans both. A change is therefore made in
 * three steps: (1) a pending row ({@code member_index_pending}) is committed in the catalog; (2) the change is
 * committed in the tenant's database; (3) the changed user's rows are copied from the tenant into the index and
 * the pending row is removed, in one catalog transaction. While the pending row of a user who is leaving or being
 * removed exists, that user's row is not listed, so the index never offers a tenant someone has just left. A crash
 * between the steps leaves the pending row, and the recovery sweep ({@link #reconcile}) copies that tenant's
 * memberships into the index again: the index converges without any tenant database being scanned in full.
 */
@ApplicationScoped
public class MemberIndex {

    private static final Logger LOG = Logger.getLogger(MemberIndex.class);

    /** The active memberships of a tenant database, one row per identity; {@code $1}: user ids, or null for all. */
    private static final String MEMBERS_SQL = """
            SELECT i.provider, i.provider_sub, m.user_id, m.role FROM memberships m
            JOIN user_identities i ON i.user_id = m.user_id
            WHERE m.left_at IS NULL AND ($1::uuid IS NULL OR m.user_id = $1)""";
    /**
     * The identity's tenants, and (kind 'offered') the active tenants that have verified the domain {@code $3} (of the
     * caller's verified email, or null) for auto-join and that the identity is not in.
     */
    private static final String MY_TENANTS_SQL = """
            SELECT * FROM (
            SELECT 'member' AS kind, t.id, t.slug, t.name, t.status, x.role FROM member_index x
            JOIN tenants t ON t.id = x.tenant_id AND t.status IN ('ACTIVE', 'SUSPENDED')
            WHERE x.issuer = $1 AND x.subject = $2
              AND NOT EXISTS (SELECT 1 FROM member_index_pending p WHERE p.tenant_id = x.tenant_id AND p.user_id = x.user_id)
            UNION ALL
            SELECT 'offered', t.id, t.slug, t.name, t.status, d.auto_join_role FROM tenant_domains d
            JOIN tenants t ON t.id = d.tenant_id AND t.status = 'ACTIVE'
            WHERE $3::text IS NOT NULL AND d.domain = $3 AND d.verified_at IS NOT NULL AND d.auto_join_role IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM member_index y WHERE y.issuer = $1 AND y.subject = $2 AND y.tenant_id = d.tenant_id)
            ) found
            ORDER BY kind, lower(name), id
            LIMIT $4""";

    private final Pool catalog;
    private final TenantPools pools;
    private final TenantDirectory directory;

    public MemberIndex(Pool catalog, TenantPools pools, TenantDirectory directory) {
        this.catalog = catalog;
        this.pools = pools;
        this.directory = directory;
    }

    /** One of the caller's tenants, as a tenant picker shows it. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"id", "slug", "name", "role", "status"})
    public record MyTenant(UUID id, String slug, String name, Role role, TenantStatus status) {
    }

    /** One identity's membership in a tenant, as the index holds it. */
    public record Entry(String issuer, String subject, UUID userId, Role role) {
    }

    /** The caller's tenants, and the tenants open to them by the domain of their verified email. */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"tenants", "offered"})
    public record MyTenants(List<MyTenant> tenants, List<MyTenant> offered) {
    }

    /**
     * The tenants the identity is an active member of, live (active or suspended) ones only, by name; and, when
     * {@code emailDomain} (of a verified email) is given, the active tenants open to it by auto-join that the identity
     * is not in, with the role joining would give. One catalog query.
     */
    public Uni<MyTenants> tenantsOf(String issuer, String subject, String emailDomain, int limit) {
        return catalog.preparedQuery(MY_TENANTS_SQL).execute(Tuple.of(issuer, subject, emailDomain, limit)).map(rows -> {
            List<MyTenant> mine = new ArrayList<>();
            List<MyTenant> offered = new ArrayList<>();
            for (Row r : rows) {
                MyTenant t = new MyTenant(r.getUUID("id"), r.getString("slug"), r.getString("name"),
                        Role.fromWire(r.getString("role")), TenantStatus.valueOf(r.getString("status")));
                ("member".equals(r.getString("kind")) ? mine : offered).add(t);
            }
            return new MyTenants(mine, offered);
        });
    }

    /**
     * Runs {@code work}, a transaction that changes memberships in the tenant's database, with the index following
     * it. {@code leaving} names a user whose membership may end (hidden from the index until it follows), or is
     * null; {@code changed} names the user the committed result is about (null: {@code leaving}).
     */
    public <T> Uni<T> change(TenantRef tenant, UUID leaving, Function<SqlConnection, Uni<T>> work, Function<T, UUID> changed) {
        UUID mark = UUID.randomUUID();
        return catalog.preparedQuery("INSERT INTO member_index_pending (id, tenant_id, user_id) VALUES ($1, $2, $3)")
                .execute(Tuple.of(mark, tenant.id(), leaving))
                .chain(() -> pools.withTransaction(tenant, work)
                        // Nothing changed in the tenant: the leaving user is copied back as they still are.
                        .onFailure().call(e -> follow(tenant, leaving, mark))
                        .call(result -> follow(tenant, changed == null ? leaving : changed.apply(result), mark)));
    }

    /**
     * Step 3: copies the user's memberships from the tenant's database into the index and removes the pending row.
     * A failure here is not the request's: its change is committed, and the sweep will find the pending row.
     */
    private Uni<Void> follow(TenantRef tenant, UUID user, UUID mark) {
        Uni<Void> copy = user == null
                ? catalog.preparedQuery("DELETE FROM member_index_pending WHERE id = $1").execute(Tuple.of(mark)).replaceWithVoid()
                : catalog.withTransaction(tx -> lock(tx, tenant.id(), false)
                        .chain(() -> pools.withConnection(tenant, c -> read(c, user)))
                        .chain(entries -> replace(tx, tenant.id(), user, entries))
                        .chain(() -> tx.preparedQuery("DELETE FROM member_index_pending WHERE id = $1").execute(Tuple.of(mark)))
                        .replaceWithVoid());
        return copy.onFailure().invoke(e -> LOG.warnf("Tenant %s: the member index did not follow a change yet (%s); "
                + "the recovery sweep will", tenant.id(), e.getMessage()))
                .onFailure().recoverWithNull();
    }

    /**
     * Copies all of a tenant's memberships from its database into the index, in place of what it held, and removes
     * the tenant's pending rows created up to {@code upTo} ago or earlier (null: all of them). Used after the
     * tenant's database was replaced as a whole (clone, restore) and by the recovery sweep.
     */
    public Uni<Void> rebuild(TenantRef tenant, Duration upTo) {
        return pools.withConnection(tenant, c -> rebuild(tenant.id(), c, upTo));
    }

    /** As {@link #rebuild(TenantRef, Duration)}, reading the tenant's database through {@code tenantDb}. */
    public Uni<Void> rebuild(UUID tenant, SqlClient tenantDb, Duration upTo) {
        return catalog.withTransaction(tx -> lock(tx, tenant, true)
                .chain(() -> read(tenantDb, null))
                .chain(entries -> replace(tx, tenant, null, entries))
                .chain(() -> tx.preparedQuery("""
                        DELETE FROM member_index_pending
                        WHERE tenant_id = $1 AND ($2::bigint IS NULL OR created_at <= now() - $2 * interval '1 millisecond')""")
                        .execute(Tuple.of(tenant, upTo == null ? null : upTo.toMillis())))
                .replaceWithVoid());
    }

    /** The first member of a new tenant, indexed before the tenant becomes active (it is not listed until then). */
    public Uni<Void> addFirst(UUID tenant, Entry entry) {
        return catalog.preparedQuery("""
                INSERT INTO member_index (issuer, subject, tenant_id, user_id, role) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (issuer, subject, tenant_id) DO UPDATE SET user_id = excluded.user_id, role = excluded.role""")
                .execute(Tuple.tuple(List.of(entry.issuer(), entry.subject(), tenant, entry.userId(), entry.role().wireName())))
                .replaceWithVoid();
    }

    /**
     * One pass of the recovery sweep: every live tenant with a pending row older than {@code staleAfter} (its change
     * was cut off) is copied into the index again. (A purged tenant's rows leave with its purge, by a catalog trigger;
     * a deleted tenant that may still be undeleted keeps them.) Returns how many tenants were copied.
     */
    public Uni<Integer> reconcile(Duration staleAfter) {
        return catalog.preparedQuery("""
                SELECT DISTINCT p.tenant_id FROM member_index_pending p JOIN tenants t ON t.id = p.tenant_id
                WHERE p.created_at < now() - $1 * interval '1 millisecond' AND t.status IN ('ACTIVE', 'SUSPENDED')
                LIMIT 1000""")
                .execute(Tuple.of(staleAfter.toMillis()))
                .chain(rows -> {
                    Uni<Integer> done = Uni.createFrom().item(0);
                    for (Row r : rows) {
                        UUID id = r.getUUID("tenant_id");
                        done = done.chain(n -> directory.liveById(id).chain(ref -> rebuild(ref, staleAfter))
                                .map(v -> n + 1)
                                .onFailure().recoverWithItem(e -> {
                                    LOG.warnf("Tenant %s: could not bring the member index up to date yet: %s", id,
                                            e.getMessage());
                                    return n;
                                }));
                    }
                    return done;
                });
    }

    /**
     * Orders the index's writers of one tenant: a whole-tenant rebuild excludes everything else, user copies only
     * a rebuild (each copy reads the tenant after taking the lock, so the last to commit has read last).
     */
    private static Uni<Void> lock(SqlConnection tx, UUID tenant, boolean exclusive) {
        String fn = exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared";
        return tx.preparedQuery("SELECT " + fn + "(hashtextextended($1, 0))")
                .execute(Tuple.of("member_index:" + tenant)).replaceWithVoid();
    }

    private static Uni<List<Entry>> read(SqlClient c, UUID user) {
        return c.preparedQuery(MEMBERS_SQL).execute(Tuple.of(user)).map(MemberIndex::entries);
    }

    private static List<Entry> entries(RowSet<Row> rows) {
        List<Entry> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new Entry(r.getString("provider"), r.getString("provider_sub"), r.getUUID("user_id"),
                    Role.fromWire(r.getString("role"))));
        }
        return out;
    }

    /** Replaces the index rows of one user of the tenant (or of all its users, for a null user) with {@code entries}. */
    private static Uni<Void> replace(SqlConnection tx, UUID tenant, UUID user, List<Entry> entries) {
        Uni<?> cleared = tx.preparedQuery("DELETE FROM member_index WHERE tenant_id = $1 AND ($2::uuid IS NULL OR user_id = $2)")
                .execute(Tuple.of(tenant, user));
        if (entries.isEmpty()) {
            return cleared.replaceWithVoid();
        }
        List<Tuple> batch = new ArrayList<>();
        for (Entry e : entries) {
            batch.add(Tuple.tuple(List.of(e.issuer(), e.subject(), tenant, e.userId(), e.role().wireName())));
        }
        return cleared.chain(() -> tx.preparedQuery(
                "INSERT INTO member_index (issuer, subject, tenant_id, user_id, role) VALUES ($1, $2, $3, $4, $5)")
                .executeBatch(batch)).replaceWithVoid();
    }
}
