package dev.keyhub.joincode;

import java.time.OffsetDateTime;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.vertx.mutiny.sqlclient.Row;

/** A join code without its secret; {@code code} is present only in the response that created it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@org.eclipse.microprofile.openapi.annotations.media.Schema(requiredProperties = {"id", "role", "maxUses", "usedCount"})
public record JoinCodeView(UUID id, String code, String role, int maxUses, int usedCount, OffsetDateTime expiresAt,
        OffsetDateTime revokedAt, OffsetDateTime createdAt, UUID createdBy, String state) {

    static final String COLUMNS = "id, role, max_uses, used_count, expires_at, revoked_at, created_at, created_by";

    static JoinCodeView of(Row r, String code) {
        OffsetDateTime expires = r.getOffsetDateTime("expires_at");
        OffsetDateTime revoked = r.getOffsetDateTime("revoked_at");
        int max = r.getInteger("max_uses");
        int used = r.getInteger("used_count");
        String state = revoked != null ? "revoked"
                : expires != null && !expires.isAfter(OffsetDateTime.now()) ? "expired"
                : max > 0 && used >= max ? "used_up" : "active";
        return new JoinCodeView(r.getUUID("id"), code, r.getString("role"), max, used, expires, revoked,
                r.getOffsetDateTime("created_at"), r.getUUID("created_by"), state);
    }
}
