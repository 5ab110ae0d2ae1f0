package dev.keyhub.membership;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

import dev.keyhub.tenancy.Role;

/** A member of the tenant as other members see them. */
public record MemberView(UUID id, String email, String name, String icon, Role role, OffsetDateTime joinedAt) {

    /** Columns, in order, that {@link #of(Row)} reads. */
    public static final String COLUMNS = "u.id, u.email, u.name, u.icon, m.role, m.created_at";

    public static MemberView of(Row r) {
        return new MemberView(r.getUUID(0), r.getString(1), r.getString(2), r.getString(3), Role.fromWire(r.getString(4)),
                r.getOffsetDateTime(5));
    }
}
