package dev.keyhub.common;

import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.MDC;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Gives every request an id, before any other route: the caller's {@code X-Request-Id} when it is a plain token
 * (a proxy's or a frontend's, so that their logs and KeyHub's meet), otherwise a new one. It is answered in the
 * response's {@code X-Request-Id} and is the {@code requestId} of the logging context (MDC), so every log line
 * written while the request is served carries it. Quarkus keeps the MDC per request on its Vert.x duplicated
 * context, across the asynchronous steps of a reactive request. {@code tenantId} joins it once the request is
 * resolved to a tenant ({@code TenantAccess}).
 */
@ApplicationScoped
public class RequestIds {

    public static final String HEADER = "X-Request-Id";
    public static final String MDC_REQUEST = "requestId";
    public static final String MDC_TENANT = "tenantId";
    /** What is taken from a caller: short, and nothing that could forge a log line or a header. */
    private static final Pattern ACCEPTED = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    void install(@Observes Router router) {
        // Before EdgeProblems (ROUTE_ORDER_UPLOAD_LIMIT - 1), so that its refusals carry an id too.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 2).handler(this::assign);
    }

    private void assign(RoutingContext ctx) {
        String given = ctx.request().getHeader(HEADER);
        String id = given != null && ACCEPTED.matcher(given).matches() ? given : newId();
        MDC.put(MDC_REQUEST, id);
        ctx.response().putHeader(HEADER, id);
        ctx.next();
    }

    /**
     * A new id: 128 random bits as 32 hex digits. Not a secret, so it comes from the thread's own generator rather
     * than {@code UUID.randomUUID()}'s shared {@code SecureRandom}, which every request would contend on.
     */
    static String newId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return HexFormat.of().toHexDigits(random.nextLong()) + HexFormat.of().toHexDigits(random.nextLong());
    }

    /** Adds the tenant a request was resolved to to the logging context of the request being served. */
    public static void tenant(UUID tenantId) {
        // Only on a request's own (duplicated) context: elsewhere the MDC is the thread's, and would outlive the request.
        if (VertxContext.isOnDuplicatedContext()) {
            MDC.put(MDC_TENANT, tenantId.toString());
        }
    }
}
