package dev.keyhub.group;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

/** A group; {@code parentGroupId} is null for a top-level group. */
public record GroupView(UUID id, String name, String description, UUID parentGroupId, long memberCount,
        OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    static final String SELECT = """
            SELECT g.id, g.name, g.description, g.parent_group_id,
                   (SELECT count(*) FROM group_memberships gm WHERE gm.group_id = g.id), g.created_at, g.updated_at
            FROM groups g""";

    static GroupView of(Row r) {
        return new GroupView(r.getUUID(0), r.getString(1), r.getString(2), r.getUUID(3), r.getLong(4),
                r.getOffsetDateTime(5), r.getOffsetDateTime(6));
    }
}
