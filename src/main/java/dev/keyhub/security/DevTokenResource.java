package dev.keyhub.security;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;

import dev.keyhub.common.ProblemException;

/**
 * Mints Keycloak-shaped tokens, so that KeyHub can be tried without Keycloak. They are signed with the key
 * pair Quarkus generates in memory in dev mode (no key is configured there) or with the test key pair. Absent
 * from the prod build.
 */
@Path("/dev/token")
@jakarta.annotation.security.PermitAll
@UnlessBuildProfile("prod")
public class DevTokenResource {

    private final String issuer;
    private final String tenantClaim;

    public DevTokenResource(@ConfigProperty(name = "mp.jwt.verify.issuer") String issuer,
            @ConfigProperty(name = "keyhub.tenancy.claim", defaultValue = "tenant") String tenantClaim) {
        this.issuer = issuer;
        this.tenantClaim = tenantClaim;
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(hidden = true) // dev and test only (absent from production builds): not part of the contract
    public String token(@QueryParam("sub") String subject, @QueryParam("roles") String roles,
            @QueryParam("tenant") String tenant, @QueryParam("email") String email,
            @QueryParam("ttl") @DefaultValue("3600") long ttlSeconds) {
        if (subject == null || subject.isBlank() || subject.length() > 255) {
            throw ProblemException.badRequest("invalid_subject", "'sub' is required (at most 255 characters).");
        }
        if (ttlSeconds < 1 || ttlSeconds > 86_400) {
            throw ProblemException.badRequest("invalid_ttl", "'ttl' must be from 1 to 86400 seconds.");
        }
        List<String> roleList = roles == null || roles.isBlank() ? List.of() : List.of(roles.split(","));
        JwtClaimsBuilder claims = Jwt.issuer(issuer).subject(subject).upn(subject)
                .claim("realm_access", Map.of("roles", roleList))
                .expiresIn(Duration.ofSeconds(ttlSeconds));
        if (email != null && !email.isBlank()) {
            claims.claim("email", email);
        }
        if (tenant != null && !tenant.isBlank()) {
            claims.claim(tenantClaim, tenant);
        }
        return claims.sign();
    }
}
