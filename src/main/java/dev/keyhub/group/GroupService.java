package dev.keyhub.group;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import dev.keyhub.audit.Audit;
import dev.keyhub.common.ProblemException;
import dev.keyhub.membership.MemberView;
import dev.keyhub.pools.TenantPools;
import dev.keyhub.tenancy.Role;
import dev.keyhub.tenancy.TenantContext;

/**
 * Groups of a tenant's members, nested through an optional parent. Members list them; tenant admins change
 * them. Changes to the hierarchy take a tenant-wide transaction lock, so two concurrent moves cannot close
 * a cycle between them; a move that would make a group its own ancestor gets 409 {@code group_cycle}.
 */
@ApplicationScoped
public class GroupService {

    private static final String HIERARCHY_LOCK = "SELECT pg_advisory_xact_lock(hashtext('keyhub.groups'))";

    private final TenantPools pools;
    private final Audit audit;

    public GroupService(TenantPools pools, Audit audit) {
        this.pools = pools;
        this.audit = audit;
    }

    public record GroupInput(String name, String description, UUID parentGroupId, boolean parentGiven) {
    }

    public Uni<List<GroupView>> list(TenantContext ctx, UUID parent) {
        String sql = GroupView.SELECT + (parent == null ? "" : " WHERE g.parent_group_id = $1") + " ORDER BY g.name, g.id";
        return pools.withConnection(ctx.tenant(), c -> c.preparedQuery(sql)
                .execute(parent == null ? Tuple.tuple() : Tuple.of(parent)))
                .map(rows -> {
                    List<GroupView> out = new ArrayList<>();
                    rows.forEach(r -> out.add(GroupView.of(r)));
                    return out;
                });
    }

    public Uni<GroupView> get(TenantContext ctx, UUID id) {
        return pools.withConnection(ctx.tenant(), c -> find(c, id));
    }

    public Uni<GroupView> create(TenantContext ctx, GroupInput in) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> tx.query(HIERARCHY_LOCK).execute()
                .chain(() -> in.parentGroupId() == null ? Uni.createFrom().voidItem() : find(tx, in.parentGroupId())
                        .onFailure(ProblemException.class).transform(e -> parentNotFound(in.parentGroupId()))
                        .replaceWithVoid())
                .chain(() -> tx.preparedQuery("INSERT INTO groups (name, description, parent_group_id) VALUES ($1, $2, $3) RETURNING id")
                        .execute(Tuple.of(in.name().strip(), in.description(), in.parentGroupId())))
                .map(rows -> rows.iterator().next().getUUID("id"))
                .call(id -> audit.record(tx, ctx, "group.created", "group", id, new JsonObject().put("name", in.name())))
                .chain(id -> find(tx, id)));
    }

    public Uni<GroupView> update(TenantContext ctx, UUID id, GroupInput in) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> tx.query(HIERARCHY_LOCK).execute()
                .chain(() -> find(tx, id))
                .call(() -> in.parentGiven() && in.parentGroupId() != null ? checkParent(tx, id, in.parentGroupId())
                        : Uni.createFrom().voidItem())
                .chain(before -> tx.preparedQuery("""
                        UPDATE groups SET name = coalesce($2, name), description = coalesce($3, description),
                               parent_group_id = CASE WHEN $4 THEN $5 ELSE parent_group_id END
                        WHERE id = $1""")
                        .execute(Tuple.tuple(java.util.Arrays.asList(id, in.name() == null ? null : in.name().strip(),
                                in.description(), in.parentGiven(), in.parentGroupId())))
                        .chain(() -> audit.record(tx, ctx, "group.updated", "group", id, new JsonObject()
                                .put("name", in.name()).put("parentGroupId",
                                        in.parentGiven() && in.parentGroupId() != null ? in.parentGroupId().toString() : null))))
                .chain(() -> find(tx, id)));
    }

    /** Deletes a group without subgroups (409 {@code group_has_children} otherwise); its memberships go with it. */
    public Uni<Void> delete(TenantContext ctx, UUID id) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> tx.query(HIERARCHY_LOCK).execute()
                .chain(() -> find(tx, id))
                .chain(group -> tx.preparedQuery("SELECT 1 FROM groups WHERE parent_group_id = $1 LIMIT 1")
                        .execute(Tuple.of(id)).chain(children -> {
                            if (children.size() > 0) {
                                throw ProblemException.conflict("group_has_children",
                                        "Move or delete the group's subgroups first.");
                            }
                            return tx.preparedQuery("DELETE FROM groups WHERE id = $1").execute(Tuple.of(id));
                        })
                        .chain(() -> audit.record(tx, ctx, "group.deleted", "group", id,
                                new JsonObject().put("name", group.name())))));
    }

    public Uni<List<MemberView>> members(TenantContext ctx, UUID groupId) {
        return pools.withConnection(ctx.tenant(), c -> find(c, groupId)
                .chain(() -> c.preparedQuery("SELECT " + MemberView.COLUMNS + """
                         FROM group_memberships gm JOIN users u ON u.id = gm.user_id
                        JOIN memberships m ON m.user_id = u.id AND m.left_at IS NULL
                        WHERE gm.group_id = $1 ORDER BY u.email""").execute(Tuple.of(groupId))))
                .map(rows -> {
                    List<MemberView> out = new ArrayList<>();
                    rows.forEach(r -> out.add(MemberView.of(r)));
                    return out;
                });
    }

    /** Adds an active member of the tenant to a group; adding twice is harmless. */
    public Uni<Void> addMember(TenantContext ctx, UUID groupId, UUID userId) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> find(tx, groupId)
                .chain(() -> tx.preparedQuery("SELECT 1 FROM memberships WHERE user_id = $1 AND left_at IS NULL")
                        .execute(Tuple.of(userId)))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("user_not_found", "No member " + userId + " in this tenant.");
                    }
                    return tx.preparedQuery("INSERT INTO group_memberships (group_id, user_id) VALUES ($1, $2) "
                            + "ON CONFLICT DO NOTHING").execute(Tuple.of(groupId, userId));
                })
                .chain(inserted -> inserted.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : audit.record(tx, ctx, "group.member_added", "group", groupId,
                                new JsonObject().put("userId", userId.toString()))));
    }

    public Uni<Void> removeMember(TenantContext ctx, UUID groupId, UUID userId) {
        ctx.require(Role.ADMIN);
        return pools.withTransaction(ctx.tenant(), tx -> find(tx, groupId)
                .chain(() -> tx.preparedQuery("DELETE FROM group_memberships WHERE group_id = $1 AND user_id = $2")
                        .execute(Tuple.of(groupId, userId)))
                .chain(rows -> {
                    if (rows.rowCount() == 0) {
                        throw ProblemException.notFound("group_member_not_found", "That user is not in this group.");
                    }
                    return audit.record(tx, ctx, "group.member_removed", "group", groupId,
                            new JsonObject().put("userId", userId.toString()));
                }));
    }

    private static Uni<Void> checkParent(SqlConnection tx, UUID id, UUID parent) {
        return tx.preparedQuery("""
                WITH RECURSIVE up(id) AS (
                    SELECT id FROM groups WHERE id = $1
                    UNION SELECT g.parent_group_id FROM groups g JOIN up ON g.id = up.id WHERE g.parent_group_id IS NOT NULL)
                SELECT (SELECT count(*) FROM groups WHERE id = $1) AS found, EXISTS (SELECT 1 FROM up WHERE id = $2) AS cycle""")
                .execute(Tuple.of(parent, id))
                .invoke(rows -> {
                    var r = rows.iterator().next();
                    if (r.getLong("found") == 0) {
                        throw parentNotFound(parent);
                    }
                    if (r.getBoolean("cycle")) {
                        throw ProblemException.conflict("group_cycle", "A group cannot be placed inside itself or its subgroups.");
                    }
                })
                .replaceWithVoid();
    }

    private static Uni<GroupView> find(SqlConnection c, UUID id) {
        return c.preparedQuery(GroupView.SELECT + " WHERE g.id = $1").execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                throw ProblemException.notFound("group_not_found", "No group " + id + " in this tenant.");
            }
            return GroupView.of(rows.iterator().next());
        });
    }

    private static ProblemException parentNotFound(UUID parent) {
        return ProblemException.badRequest("parent_not_found", "No group " + parent + " to be the parent.");
    }
}
