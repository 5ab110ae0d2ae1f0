package dev.keyhub.tenancy;

import dev.keyhub.catalog.TenantRef;
import dev.keyhub.common.ProblemException;

/**
 * A request's tenant, the caller's membership in it and the caller's address, resolved once per request.
 */
public record TenantContext(TenantRef tenant, Member member, String clientIp) {

    public Role role() {
        return member.role();
    }

    /** This context, if the caller's role is at least {@code needed}; 403 {@code insufficient_role} otherwise. */
    public TenantContext require(Role needed) {
        if (!role().atLeast(needed)) {
            throw ProblemException.forbidden("insufficient_role",
                    "This needs the role '" + needed.wireName() + "' in the tenant.");
        }
        return this;
    }
}
