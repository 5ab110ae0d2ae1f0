package dev.keyhub.common;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import io.quarkus.security.AuthenticationCompletionException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * Renders every failure as {@code application/problem+json}. Nothing from an exception's internals (stack,
 * SQL, class names) reaches the client: unexpected failures are logged and answered with a generic 500.
 */
public class ProblemMapper {

    private static final Logger LOG = Logger.getLogger(ProblemMapper.class);
    private static final int DATABASE_RETRY_AFTER = 2;
    private final ObjectMapper json;

    public ProblemMapper(ObjectMapper json) {
        this.json = json;
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        Response.ResponseBuilder rb = build(new Problem(e.status(), e.code(), e.title(), e.getMessage(), List.of(),
                e.extensions()));
        e.headers().forEach(rb::header);
        return rb.build();
    }

    @ServerExceptionMapper
    public Response validation(ConstraintViolationException e) {
        List<Problem.FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new Problem.FieldError(field(v), v.getMessage()))
                .sorted(Comparator.comparing(Problem.FieldError::field))
                .toList();
        String detail = errors.stream().map(f -> f.field() + ": " + f.message()).collect(Collectors.joining("; "));
        return build(new Problem(400, "validation_failed", "Invalid request", detail, errors, Map.of())).build();
    }

    /**
     * Quarkus REST has a built-in mapper for this subtype that answers a bare 400 (with Jackson's details in dev and
     * test mode); this one takes precedence so that a body of the wrong shape gets the same problem as any bad JSON.
     */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response mismatchedJson(MismatchedInputException e) {
        return badJson(e);
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e) {
        String detail = "The request body is not valid JSON for this operation.";
        if (e instanceof MismatchedInputException m && !(m instanceof InvalidFormatException) && !m.getPath().isEmpty()) {
            detail = "Wrong type or shape for '" + path(m) + "'.";
        } else if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            detail = "Invalid value for '" + path(m) + "'.";
        }
        return build(Problem.of(400, "malformed_json", "Malformed request body", detail)).build();
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class,
            AuthenticationCompletionException.class })
    public Response unauthorized(RuntimeException e) {
        return build(Problem.of(401, "unauthenticated", "Unauthorized",
                "A valid bearer token is required.")).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return build(Problem.of(403, "forbidden", "Forbidden", "The caller may not perform this operation.")).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException json) {
            return badJson(json);
        }
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            LOG.error("Request failed", e);
            return build(Problem.of(status, "internal_error", "Internal error", "The request could not be completed."))
                    .build();
        }
        return build(Problem.ofStatus(status)).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (bodyTooLarge(e)) {
            // A chunked body that grew past quarkus.http.limits.max-body-size while it was read: the client's
            // doing, and frequent under abuse, so no stack trace in the log.
            LOG.debugf("Request body too large: %s", e.getMessage());
            return build(Problem.of(413, "request_too_large", "Content too large",
                    "The request body is larger than the limit.")).build();
        }
        if (unstorableText(e)) {
            return build(Problem.of(400, "invalid_text", "Bad request",
                    "The request contains text that cannot be stored, such as a NUL character.")).build();
        }
        if (e instanceof java.util.concurrent.CancellationException) {
            // The request's work was cancelled because its client went away: nobody reads this answer, and nothing
            // failed on KeyHub's side.
            LOG.debugf("Request cancelled: the client went away");
            return build(Problem.of(503, "request_cancelled", "Service unavailable", "The request was cancelled.")).build();
        }
        if (DatabaseFailures.missingDatabase(e)) {
            LOG.errorf("A tenant database is missing: %s", e.getMessage());
            return problem(DatabaseFailures.tenantDatabaseMissing());
        }
        if (DatabaseFailures.unreachable(e)) {
            // The catalog or a server is down or restarting: expected now and then, and no fault of the request.
            LOG.warnf("A database cannot be reached: %s", e.toString());
            return build(Problem.of(503, "database_unavailable", "Service unavailable",
                    "A database KeyHub depends on cannot be reached right now; retry shortly."))
                    .header("Retry-After", Integer.toString(DATABASE_RETRY_AFTER)).build();
        }
        LOG.error("Unexpected failure", e);
        return build(Problem.of(500, "internal_error", "Internal error", "The request could not be completed."))
                .build();
    }

    /**
     * PostgreSQL refuses a NUL character in text ({@code 22021}) and in jsonb ({@code 22P05}). Such a value can
     * only come from the request (stored text never holds one), so it is the client's error, not ours.
     */
    private static boolean unstorableText(Throwable e) {
        return DatabaseFailures.hasState(e, "22021", "22P05");
    }

    private Response.ResponseBuilder build(Problem problem) {
        String body;
        try {
            body = json.writeValueAsString(problem.body());
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + problem.status() + ",\"code\":\"" + problem.code() + "\"}";
        }
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(body);
    }

    private static String field(ConstraintViolation<?> v) {
        // "create.request.owner.email" -> "owner.email": drop the method and parameter names.
        String path = v.getPropertyPath().toString();
        String[] parts = path.split("\\.", 3);
        return parts.length == 3 ? parts[2] : parts[parts.length - 1];
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    /** Quarkus's request input stream reports a body past the size limit as a plain IOException. */
    private static boolean bodyTooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException && "Request too large".equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }
}
