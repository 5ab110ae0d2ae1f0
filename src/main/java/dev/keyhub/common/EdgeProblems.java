package dev.keyhub.common;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Refusals before Quarkus REST sees a request, as problem documents: an HTTP/1.1 request without the Host header
 * it requires (which would otherwise fail deeper down, logging an error for each such request), a body over
 * {@code quarkus.http.limits.max-body-size} by its Content-Length (Quarkus itself would answer a bare 413), and API
 * paths that normalisation would send to another operation ({@link #oddApiPath}). Some refusals happen before any
 * handler and stay bare (empty body, no Content-Type): headers or a request line over their limits (431, 414, the
 * HTTP codec), a target that is not a valid URI such as {@code /%zz} (400, Quarkus's URI check), and a chunked body
 * that grows past the limit while it is read (413, Quarkus's input stream).
 */
@ApplicationScoped
public class EdgeProblems {

    private final long maxBodySize;
    /** Reads a chunked API body ahead of Quarkus REST, so that one over the limit is refused here (see checkRequest). */
    private final BodyHandler chunkedBodies;

    // Quarkus's own key, read as Quarkus reads it; KeyHub's @ConfigMapping holds only keyhub.* keys.
    public EdgeProblems(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize.asLongValue();
        this.chunkedBodies = BodyHandler.create(false).setBodyLimit(this.maxBodySize).setHandleFileUploads(false)
                .setMergeFormAttributes(false);
    }

    void install(@Observes Router router) {
        // Quarkus's own size check runs at ROUTE_ORDER_UPLOAD_LIMIT; this one answers first.
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(this::checkRequest)
                .failureHandler(this::checkFailure);
    }

    /**
     * Vert.x fails an HTTP/1.1 request without a Host header before any route runs; the failure reaches the
     * failure handlers, and this one answers it before Quarkus's, which would log an error for each.
     */
    private void checkFailure(RoutingContext ctx) {
        if (ctx.failure() instanceof HttpClosedException || ctx.response().closed()) {
            // The client went away (while its body was read, or after its answer): there is no one to answer, and
            // nothing failed on KeyHub's side.
            return;
        }
        if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            send(ctx, tooLargeProblem());
            return;
        }
        if (missingHost(ctx)) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            send(ctx, Problem.of(400, "missing_host", "Bad request", "An HTTP/1.1 request needs a Host header."));
            return;
        }
        ctx.next();
    }

    private static boolean missingHost(RoutingContext ctx) {
        return ctx.request().version() == HttpVersion.HTTP_1_1 && ctx.request().getHeader(HttpHeaders.HOST) == null;
    }

    private void checkRequest(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && tooLarge(length)) {
            ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
            send(ctx, tooLargeProblem());
            return;
        }
        if (oddApiPath(ctx.request().path())) {
            send(ctx, Problem.ofStatus(404));
            return;
        }
        if (length == null && apiPath(ctx.request().path())
                && "chunked".equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.TRANSFER_ENCODING))) {
            // A chunked body has no length to check up front. Left to Quarkus REST, one that outgrows the limit is
            // answered a bare 413 by Quarkus's input stream, after which the request's own error answer fails and
            // is logged at ERROR with a stack trace, once per request. Read here (up to the limit, so no more memory
            // than a body of declared length), it fails with 413 into checkFailure, which answers a problem.
            chunkedBodies.handle(ctx);
            return;
        }
        ctx.next();
    }

    /**
     * An API path with an empty or dot segment or a matrix parameter. Normalising such a path would route it to
     * another operation: {@code DELETE …/users/../sessions} is {@code DELETE …/sessions}, and {@code …/sessions/;x}
     * or {@code …/sessions/} matches {@code …/sessions} too. No API path needs any of them.
     */
    static boolean oddApiPath(String path) {
        if (path == null || !(path.startsWith("/api/") || path.startsWith("/admin/"))) {
            return false;
        }
        if (path.endsWith("/") || path.indexOf(';') >= 0) {
            return true;
        }
        for (String segment : path.substring(1).split("/")) {
            String s = segment.replace("%2e", ".").replace("%2E", ".");
            if (s.isEmpty() || ".".equals(s) || "..".equals(s)) {
                return true;
            }
        }
        return false;
    }

    private Problem tooLargeProblem() {
        return Problem.of(413, "request_too_large", "Content too large",
                "The request body is larger than " + maxBodySize + " bytes.");
    }

    private static boolean apiPath(String path) {
        return path != null && (path.startsWith("/api/") || path.startsWith("/admin/") || path.startsWith("/service/")
                || path.startsWith("/auth/"));
    }

    private boolean tooLarge(String length) {
        try {
            return Long.parseLong(length.trim()) > maxBodySize;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void send(RoutingContext ctx, Problem problem) {
        ctx.response().setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(Json.encode(problem.body()));
    }
}
