package dev.keyhub.tenancy;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;

import dev.keyhub.pools.TenantWrites;

/**
 * Drops this replica's cached memberships of a tenant once a transaction on its database has committed: every
 * change of a member, role or profile is such a transaction, so the replica's next request sees it.
 */
@ApplicationScoped
public class MembershipInvalidation implements TenantWrites {

    private final Cache members;

    public MembershipInvalidation(@CacheName(TenantAccess.MEMBERS) Cache members) {
        this.members = members;
    }

    @Override
    public Uni<Void> committed(UUID tenant) {
        return members.invalidateIf(key -> key instanceof TenantAccess.MemberKey m && m.tenant().equals(tenant));
    }
}
