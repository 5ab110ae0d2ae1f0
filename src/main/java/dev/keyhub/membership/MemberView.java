package dev.keyhub.membership;

import java.time.OffsetDateTime;
import java.util.UUID;

import io.vertx.mutiny.sqlclient.Row;

import dev.keyhub.tenancy.Role;

/** A member of the tenant as other members see them. */
@org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"id", "email", "role", "joinedAt"})
public record MemberView(UUID id, String email, String name, String icon, Role role, OffsetDateTime joinedAt) {

    /** The columns {@link #of(Row)} reads, by name. */
    public static final String COLUMNS = "u.id AS user_id, u.email, u.name, u.icon, m.role, m.created_at AS joined_at";

    public static MemberView of(Row r) {
        return new MemberView(r.getUUID("user_id"), r.getString("email"), r.getString("name"), r.getString("icon"),
                Role.fromWire(r.getString("role")), r.getOffsetDateTime("joined_at"));
    }
}
