package dev.keyhub.tenancy;

import java.time.OffsetDateTime;
import java.util.UUID;

/** The caller as a member of the tenant: their user row and active membership in the tenant database. */
public record Member(UUID userId, String email, String name, String icon, UUID membershipId, Role role,
        OffsetDateTime joinedAt) {
}
