package dev.keyhub.tenancy;

import dev.keyhub.catalog.TenantRef;

/** A request's tenant and the caller's membership in it, resolved once per request. */
public record TenantContext(TenantRef tenant, Member member) {
}
