package dev.keyhub.membership;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.Cursor;
import dev.keyhub.common.CursorPage;
import dev.keyhub.common.ProblemException;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantContext;

/**
 * Members and roles of one tenant. Every query runs on the request's tenant pool, so ids of another
 * tenant's users simply do not exist here. A tenant never ends without an admin: the last admin can be
 * neither demoted, removed nor leave (409 {@code last_admin}); the check locks the admins' rows, so two
 * concurrent demotions cannot both pass it.
 */
@ApplicationScoped
public class MembershipService {

    private static final String ACTIVE = "FROM users u JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL";

    private final TenantPools pools;
    private final Audit audit;
    private final MemberIndex index;

    public MembershipService(TenantPools pools, Audit audit, MemberIndex index) {
        this.index = index;
        this.pools = pools;
        this.audit = audit;
    }

    /** A page of active members, oldest first; optionally of one role and matching a search in email or name. */
    public Uni<CursorPage<MemberView>> list(TenantContext ctx, Role role, String search, Cursor after, int size) {
        List<Object> args = new ArrayList<>();
        StringBuilder sql = new StringBuilder("SELECT " + MemberView.COLUMNS + " " + ACTIVE + " WHERE true");
        if (role != null) {
            args.add(role.wireName());
            sql.append(" AND m.role = $").append(args.size());
        }
        if (search != null && !search.isBlank()) {
            args.add("%" + search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
            sql.append(" AND (u.email ILIKE $").append(args.size()).append(" OR u.name ILIKE $").append(args.size())
                    .append(")");
        }
        if (after != null) {
            args.add(after.at());
            args.add(after.id());
            sql.append(" AND (m.created_at, u.id) > ($").append(args.size() - 1).append(", $").append(args.size())
                    .append(")");
        }
        args.add(size + 1);
        sql.append(" ORDER BY m.created_at, u.id LIMIT $").append(args.size());
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery(sql.toString()).execute(Tuple.tuple(args)))
                .map(rows -> CursorPage.of(rows, size, MemberView::of, m -> new Cursor(m.joinedAt(), m.id())));
    }

    /** One active member; 404 {@code user_not_found} otherwise. */
    public Uni<MemberView> get(TenantContext ctx, UUID userId) {
        return pools.withConnection(ctx.tenant(), c -> find(c, userId));
    }

    /** Changes a member's role (admin only). */
    public Uni<MemberView> changeRole(TenantContext ctx, UUID userId, Role role) {
        ctx.require(Role.ADMIN);
        return index.change(ctx.tenant(), null, tx -> find(tx, userId).chain(member -> {
            if (member.role() == role) {
                return Uni.createFrom().item(member);
            }
            Uni<Void> guard = member.role() == Role.ADMIN ? keepAnAdmin(tx, userId) : Uni.createFrom().voidItem();
            return guard
                    .chain(() -> tx.preparedQuery("UPDATE memberships SET role = $2 WHERE user_id = $1 AND left_at IS NULL")
                            .execute(Tuple.of(userId, role.wireName())))
                    .chain(() -> audit.record(tx, ctx, "member.role_changed", "user", userId,
                            new JsonObject().put("from", member.role().wireName()).put("to", role.wireName())))
                    .chain(() -> find(tx, userId));
        }), changed -> userId);
    }

    /** Ends a member's membership and revokes their sessions (admin only, or the member leaving). */
    public Uni<Void> remove(TenantContext ctx, UUID userId) {
        boolean self = ctx.member().userId().equals(userId);
        if (!self) {
            ctx.require(Role.ADMIN);
        }
        return index.change(ctx.tenant(), userId, tx -> find(tx, userId).chain(member -> {
            Uni<Void> guard = member.role() == Role.ADMIN ? keepAnAdmin(tx, userId) : Uni.createFrom().voidItem();
            return guard
                    .chain(() -> tx.preparedQuery("UPDATE memberships SET left_at = now() WHERE user_id = $1 AND left_at IS NULL")
                            .execute(Tuple.of(userId)))
                    .chain(() -> tx.preparedQuery("UPDATE sessions SET revoked = true WHERE user_id = $1 AND NOT revoked")
                            .execute(Tuple.of(userId)))
                    .chain(() -> audit.record(tx, ctx, self ? "member.left" : "member.removed", "user", userId,
                            new JsonObject().put("role", member.role().wireName())));
        }), null);
    }

    /** Revokes every session of a member (admin only); returns how many were revoked. */
    public Uni<Integer> revokeSessions(TenantContext ctx, UUID userId) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> find(tx, userId)
                .chain(() -> tx.preparedQuery("UPDATE sessions SET revoked = true WHERE user_id = $1 AND NOT revoked")
                        .execute(Tuple.of(userId)))
                .call(rows -> audit.record(tx, ctx, "sessions.revoked", "user", userId,
                        new JsonObject().put("count", rows.rowCount())))
                .map(rows -> rows.rowCount()));
    }

    /** Changes the caller's own name and icon; a null field is left as it is. */
    public Uni<MemberView> updateProfile(TenantContext ctx, String name, String icon) {
        UUID self = ctx.member().userId();
        return pools.withTransaction(ctx.tenant(), tx -> tx.preparedQuery("""
                UPDATE users SET name = coalesce($2, name), icon = coalesce($3, icon) WHERE id = $1""")
                .execute(Tuple.of(self, name, icon))
                .chain(() -> find(tx, self)));
    }

    private static Uni<MemberView> find(SqlConnection c, UUID userId) {
        return c.preparedQuery("SELECT " + MemberView.COLUMNS + " " + ACTIVE + " WHERE u.id = $1")
                .execute(Tuple.of(userId))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("user_not_found", "No member " + userId + " in this tenant.");
                    }
                    return MemberView.of(rows.iterator().next());
                });
    }

    /** Fails with 409 when {@code leaving} is the only active admin; locks the admins' rows until commit. */
    private static Uni<Void> keepAnAdmin(SqlConnection tx, UUID leaving) {
        return tx.preparedQuery("SELECT user_id FROM memberships WHERE role = 'admin' AND left_at IS NULL FOR UPDATE")
                .execute()
                .invoke(rows -> {
                    long others = 0;
                    for (Row r : rows) {
                        if (!r.getUUID("user_id").equals(leaving)) {
                            others++;
                        }
                    }
                    if (others == 0) {
                        throw ProblemException.conflict("last_admin",
                                "The tenant's last admin cannot leave, be removed or be demoted; make another member admin first.");
                    }
                })
                .replaceWithVoid();
    }
}
