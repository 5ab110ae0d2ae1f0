package dev.keyhub.group;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

/** A group; {@code parentGroupId} is null for a top-level group. */
public record GroupView(UUID id, String name, String description, UUID parentGroupId, long memberCount,
        OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    static final String SELECT = """
            SELECT g.id, g.name, g.description, g.parent_group_id,
                   (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id) AS member_count, g.created_at, g.updated_at
            FROM groups g""";

    static GroupView of(Row r) {
        return new GroupView(r.getUUID("id"), r.getString("name"), r.getString("description"),
                r.getUUID("parent_group_id"), r.getLong("member_count"), r.getOffsetDateTime("created_at"),
                r.getOffsetDateTime("updated_at"));
    }
}
