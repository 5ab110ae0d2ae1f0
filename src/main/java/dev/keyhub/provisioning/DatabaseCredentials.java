package dev.keyhub.provisioning;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

import dev.keyhub.catalog.Freeze;
import dev.keyhub.catalog.Tenant;
import dev.keyhub.catalog.TenantStatus;
import dev.keyhub.common.ProblemException;
import dev.keyhub.servers.DatabaseAdmin;
import dev.keyhub.servers.DbServers;
import dev.keyhub.servers.TenantRoles;
import dev.keyhub.tenancy.TenantDirectory;

/**
 * Short-lived credentials for a service outside KeyHub to open one tenant's database: a login role of its own
 * that is a member of the tenant's role ({@link dev.keyhub.servers.TenantRoles}), so it opens that database and no
 * other, valid until a time PostgreSQL enforces ({@code VALID UNTIL}). The password is returned once and stored
 * nowhere. Suspending or deleting the tenant revokes its credentials at once (their sessions end); rotating issues
 * a new one and revokes the others in one transaction.
 */
@ApplicationScoped
public class DatabaseCredentials {

    private final TenantDirectory directory;
    private final DbServers servers;
    private final DatabaseAdmin databases;
    private final DatabaseCredentialsConfig config;

    public DatabaseCredentials(TenantDirectory directory, DbServers servers, DatabaseAdmin databases,
            DatabaseCredentialsConfig config) {
        this.directory = directory;
        this.servers = servers;
        this.databases = databases;
        this.config = config;
    }

    /**
     * What a service needs to connect: where, which database, as whom, until when, and the {@code sslmode} KeyHub
     * itself uses with that server (a client should connect at least as securely).
     */
    @org.eclipse.microprofile.openapi.annotations.media.Schema(name = "DatabaseCredential")
    public record Issued(UUID tenantId, String host, int port, String database, String user, String password,
            OffsetDateTime expiresAt, String sslmode) {
    }

    /**
     * Issues a credential {@code user} (from {@link #newUser}) for the tenant's database, working for {@code ttlSeconds} (the default when null); with
     * {@code rotate}, the tenant's earlier credentials stop working. 400 {@code invalid_ttl} outside 60 s to
     * {@code max-ttl}; 404 for no tenant; 409 {@code invalid_state} unless it is ACTIVE, {@code tenant_frozen}
     * while it is being moved.
     */
    public Uni<Issued> issue(UUID tenantId, String user, Integer ttlSeconds, boolean rotate) {
        Duration ttl = ttlSeconds == null ? config.defaultTtl() : Duration.ofSeconds(ttlSeconds);
        if (ttl.compareTo(Duration.ofSeconds(60)) < 0 || ttl.compareTo(config.maxTtl()) > 0) {
            return Uni.createFrom().failure(ProblemException.badRequest("invalid_ttl",
                    "ttlSeconds must be between 60 and " + config.maxTtl().toSeconds() + "."));
        }
        return directory.byId(tenantId).chain(tenant -> {
            if (tenant.status != TenantStatus.ACTIVE) {
                return Uni.createFrom().failure(ProblemException.conflict("invalid_state",
                        "Only an active tenant's database can be opened from outside; this one is " + tenant.status + "."));
            }
            if (tenant.frozenFor == Freeze.MOVE) {
                return Uni.createFrom().failure(ProblemException.conflict("tenant_frozen",
                        "The tenant is being moved to another server; ask again once it has moved."));
            }
            return servers.address(tenant.dbServerId).chain(server -> databases
                    .issueCredential(server, tenant.databaseName, user, ttl, config.connectionLimit(), rotate)
                    .map(c -> new Issued(tenant.id, server.host(), server.port(), tenant.databaseName, c.user(),
                            c.password(), c.expiresAt(), server.tls().mode().value())));
        });
    }

    /** A new credential's login name, for the tenant: known before it is issued, so that the audit log can name it. */
    public static String newUser(UUID tenantId) {
        return TenantRoles.newCredentialRole(ProvisioningService.databaseName(tenantId));
    }

    /** Revokes every credential of the tenant's database, ending their sessions; 404 for no tenant. */
    public Uni<Tenant> revokeAll(UUID tenantId) {
        return directory.byId(tenantId).call(tenant -> tenant.purgedAt != null ? Uni.createFrom().voidItem()
                : servers.address(tenant.dbServerId).chain(server -> databases.revokeCredentials(server, tenant.databaseName)));
    }
}
