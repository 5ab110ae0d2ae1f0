package dev.keyhub.tenancy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How requests find their tenant and how tenant databases are reached. */
@ConfigMapping(prefix = "keyhub")
public interface TenancyConfig {

    /** Tenant resolution. */
    Tenancy tenancy();

    /** Per-tenant connection pools and the connection budget. */
    Pools pools();

    /** Provisioning and its recovery. */
    Provisioning provisioning();

    /** Migration jobs. */
    Migrations migrations();

    /** Server-side sessions. */
    Sessions sessions();

    /** Redeeming join codes. */
    Join join();

    /** Browser login for web frontends (backend-for-frontend). */
    Auth auth();

    /** Verified bearer tokens remembered per replica. */
    Tokens tokens();

    /** Credentials for database servers registered with a {@code credentials_ref}, by that reference. */
    Map<String, Credentials> credentials();

    interface Tenancy {
        /** Name of the token claim that names the caller's tenant (a slug or a tenant id). */
        @WithDefault("tenant")
        String claim();

        /**
         * A second claim to read the tenant from when the first is absent: Keycloak Organizations' claim
         * ({@code organization}), whose single organization alias is taken as the tenant's slug. Unset: not read.
         */
        Optional<String> organizationClaim();

        /** The tenant changelog (classpath resource). */
        @WithDefault("db/tenant/changelog.xml")
        String changelog();

        /**
         * The release a newly created template starts at; empty means the newest. An existing template moves
         * only through migration jobs.
         */
        java.util.Optional<String> templateVersion();

        /** Name of the template database kept at the newest tenant schema on every server. */
        @WithDefault("keyhub_template")
        String templateDatabase();
    }

    interface Pools {
        /**
         * Most connections one tenant's pool may open. A pool starts with one and takes another only while the
         * tenant's requests queue and its server's budget has room.
         */
        @WithDefault("8")
        int maxSizePerTenant();

        /**
         * Most connections all tenant pools of this replica may hold on one database server, for every server
         * registered without a budget of its own. Unset (the default): derived from each server's
         * {@code max_connections} (see {@link ConnectionBudgets}).
         */
        Optional<Integer> connectionBudget();

        /** KeyHub replicas that share each database server; the derived budget is divided among them. */
        @WithDefault("1")
        int replicas();

        /** How long a request waits for a connection (once, from when it asks) before it gets 503. */
        @WithDefault("2s")
        Duration acquireTimeout();

        /**
         * Requests that may wait at once for a connection on one server. Past it a request gets 503 at once
         * instead of joining the queue, so that an overload is answered quickly rather than after the timeout.
         */
        @WithDefault("100")
        int maxWaiters();

        /**
         * A connection unused for this long is closed and its place in the budget given back; a pool with no
         * connection left is dropped.
         */
        @WithDefault("30s")
        Duration idleTimeout();

        /**
         * Connections per server for creating and dropping databases (on its maintenance database), outside
         * the tenant budget.
         */
        @WithDefault("2")
        int adminSize();

        /** The Retry-After, in seconds, sent with a 503 when the budget is exhausted. */
        @WithDefault("1")
        int retryAfterSeconds();
    }

    interface Provisioning {
        /** The tenant quota an organization gets when it is created without one. */
        @WithDefault("100")
        int maxTenantsPerOrganization();

        /**
         * A tenant still PROVISIONING or DELETING this long after its last change is taken to be abandoned (its
         * replica crashed) and is finished by the recovery sweep.
         */
        @WithDefault("10m")
        Duration staleAfter();

        /**
         * Tenant databases kept ready per server, copied from the template ahead of demand, so that creating a
         * tenant does not wait for {@code CREATE DATABASE}. 0 turns this off.
         */
        @WithDefault("2")
        int sparesPerServer();

        /** How long a deleted tenant's database is kept before the background purge drops it. */
        @WithDefault("7d")
        Duration deleteGrace();

        /** How many tenant databases the fleet health check probes at once. */
        @WithDefault("8")
        int healthConcurrency();

        /** How long the health check waits for one tenant database. */
        @WithDefault("2s")
        Duration healthTimeout();

        /** How often spares are topped up and outdated ones dropped. */
        @WithDefault("5s")
        Duration sparesInterval();
    }

    interface Migrations {
        /** Tasks one replica runs at once, across jobs. */
        @WithDefault("4")
        int workers();

        /** How often a replica looks for work and advances jobs. */
        @WithDefault("500ms")
        Duration poll();

        /** A running task whose replica has not reported for this long is given to another replica. */
        @WithDefault("2m")
        Duration staleAfter();
    }

    interface Sessions {
        /** How long a session lasts from its creation. */
        @WithDefault("8h")
        Duration lifetime();

        /** Expired sessions are deleted this long after they expired. */
        @WithDefault("1d")
        Duration keepExpired();
    }

    interface Join {
        /** Failed redemptions a caller may make per window before getting 429. */
        @WithDefault("5")
        int maxFailures();

        /** The window over which failed redemptions are counted. */
        @WithDefault("1m")
        Duration failureWindow();
    }

    interface Auth {
        /** The confidential OpenID Connect client KeyHub signs browsers in with. */
        @WithDefault("keyhub-web")
        String clientId();

        /** That client's secret; without one, {@code /auth/login} answers 503 {@code login_not_configured}. */
        Optional<String> clientSecret();

        /**
         * The realm that signs users in (its Keycloak issuer URL); the authorize, token and logout endpoints
         * are Keycloak's under it. Defaults to {@code mp.jwt.verify.issuer}.
         */
        Optional<String> issuer();

        /** The realm's JWKS, used to check ID tokens. Defaults to {@code mp.jwt.verify.publickey.location}. */
        Optional<String> jwksUrl();

        /** KeyHub's {@code /auth/callback} as the browser reaches it; registered with the client. */
        @WithDefault("http://localhost:8080/auth/callback")
        String redirectUri();

        /**
         * Where a login may send the browser back to: {@code returnTo} must start with one of these (scheme,
         * host and port, then a path prefix). Anything else is refused, so login cannot be an open redirect.
         */
        @WithDefault("http://localhost:8080/")
        List<String> allowedReturnTo();

        /** How long a started login may take before its state expires. */
        @WithDefault("10m")
        Duration stateLifetime();

        /** Where Keycloak sends the browser after logout; none means Keycloak's own page. */
        Optional<String> postLogoutRedirectUri();
    }

    interface Tokens {
        /** Most verified tokens remembered at once. 0 turns the cache off. */
        @WithDefault("10000")
        int cacheSize();

        /** Longest a verified token is remembered; never past its {@code exp}. */
        @WithDefault("5m")
        Duration cacheTtl();
    }

    interface Credentials {
        String username();

        String password();
    }
}
