package dev.keyhub.user;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.quarkus.security.Authenticated;
import io.smallrye.mutiny.Uni;

import dev.keyhub.domains.AutoJoin;
import dev.keyhub.tenancy.MemberIndex;
import dev.keyhub.tenancy.TenantAccess;

/**
 * The caller across tenants: which tenants they belong to, for a tenant picker. Answered from the catalog's member
 * index in one query; no tenant claim is needed and no tenant database is opened.
 */
@Path("/api/me/tenants")
@Tag(name = "My tenants")
@Authenticated
@Produces(MediaType.APPLICATION_JSON)
public class MyTenantsResource {

    /** At most this many tenants are listed. */
    static final int LIMIT = 500;

    private final TenantAccess access;
    private final MemberIndex index;

    public MyTenantsResource(TenantAccess access, MemberIndex index) {
        this.access = access;
        this.index = index;
    }

    @GET
    @Operation(operationId = "listMyTenants", summary = "List the caller's tenants",
            description = "The tenants the caller is a member of (active and suspended ones), with their role in each, by "
                    + "name; and the tenants open to the domain of the caller's verified email (offered), with the role "
                    + "joining gives. At most 500 in all; any signed-in user may call it, and no tenant claim is needed.")
    @APIResponse(responseCode = "200", description = "The caller's tenants")
    @APIResponse(responseCode = "401", description = "No valid token or session")
    public Uni<MemberIndex.MyTenants> mine() {
        TenantAccess.Caller caller = access.caller();
        return index.tenantsOf(caller.issuer(), caller.subject(), AutoJoin.domainOf(access.verifiedEmail()), LIMIT);
    }
}
