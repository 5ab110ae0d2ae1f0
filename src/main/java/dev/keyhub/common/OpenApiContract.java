package dev.keyhub.common;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.security.SecurityRequirement;

/**
 * The cross-cutting parts of the OpenAPI contract, applied to every operation so that no resource has to repeat them
 * (registered as {@code mp.openapi.filter}):
 * <ul>
 * <li>every 4xx and 5xx response is an {@code application/problem+json} {@code Problem} (the schema is in
 * {@code META-INF/openapi.yaml}), which is what {@link ProblemMapper} answers;</li>
 * <li>an operation that needs a signed-in caller names the schemes that hold for it: a bearer token everywhere, and
 * the session cookie on the tenant API and {@code /auth}, where sessions are accepted. Platform routes take tokens
 * only;</li>
 * <li>the parameters every feature shares are described once: the {@code {tenant}} path segment, an {@code {id}}
 * (named by the path segment before it), and keyset paging's {@code cursor} and {@code size};</li>
 * <li>every tenant route also answers 410 for a deleted tenant and 503 when the tenant's database cannot be reached
 * ({@code TenantAccess.resolve}), listed where the operation does not list them itself.</li>
 * </ul>
 */
public class OpenApiContract implements OASFilter {

    static final String PROBLEM_REF = "#/components/schemas/Problem";
    static final String BEARER = "bearer";
    static final String COOKIE = "sessionCookie";
    /** The name Quarkus gives the scheme of the requirements it adds itself; replaced by the two above. */
    static final String QUARKUS_SCHEME = "SecurityScheme";

    static final String TENANT_ROUTES = "/api/tenants/{tenant}";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() != null && openAPI.getComponents().getSecuritySchemes() != null) {
            openAPI.getComponents().removeSecurityScheme(QUARKUS_SCHEME);
        }
        if (openAPI.getComponents() != null && openAPI.getComponents().getSchemas() != null) {
            // The raw generic page, emitted because CursorPage carries a @Schema; only its CursorPage<Item> forms
            // (CursorPageMemberView, …) are ever answered.
            openAPI.getComponents().removeSchema(CursorPage.class.getSimpleName());
        }
        if (openAPI.getPaths() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            boolean sessions = path.getKey().startsWith("/api/") || path.getKey().startsWith("/auth/");
            for (Operation operation : path.getValue().getOperations().values()) {
                describe(path.getKey(), operation);
                if (path.getKey().startsWith(TENANT_ROUTES)) {
                    tenantErrors(operation);
                }
                problems(operation);
                security(operation, sessions);
            }
        }
    }

    private static void describe(String path, Operation operation) {
        if (operation.getParameters() == null) {
            return;
        }
        for (Parameter parameter : operation.getParameters()) {
            if (parameter.getDescription() == null) {
                parameter.setDescription(shared(path, parameter));
            }
        }
    }

    /** The description of a parameter every feature shares, or null for one its operation must describe itself. */
    static String shared(String path, Parameter parameter) {
        String name = parameter.getName();
        if (parameter.getIn() == Parameter.In.PATH && name.equals("tenant")) {
            return "The tenant: its slug, its id, or `current` for the tenant the caller's token, session or host names";
        }
        if (parameter.getIn() == Parameter.In.PATH && name.equals("id")) {
            String[] segments = path.substring(0, path.indexOf("/{id}")).split("/");
            String collection = segments[segments.length - 1].replace('-', ' ');
            String thing = collection.endsWith("s") ? collection.substring(0, collection.length() - 1) : collection;
            return "The " + (thing.equals("user") ? "member" : thing) + "'s id";
        }
        if (parameter.getIn() == Parameter.In.QUERY && name.equals("cursor")) {
            return "Where the page starts: the nextCursor of the previous page; absent for the first page";
        }
        if (parameter.getIn() == Parameter.In.QUERY && name.equals("size")) {
            return "How many items a page holds at most";
        }
        if (parameter.getIn() == Parameter.In.HEADER && name.toLowerCase(Locale.ROOT).equals("user-agent")) {
            return "The client's user agent, kept with the session it opens so its owner can tell sessions apart";
        }
        return null;
    }

    private static void tenantErrors(Operation operation) {
        if (operation.getResponses() == null) {
            return;
        }
        if (operation.getResponses().getAPIResponse("410") == null) {
            operation.getResponses().addAPIResponse("410",
                    OASFactory.createAPIResponse().description("The tenant was deleted"));
        }
        if (operation.getResponses().getAPIResponse("503") == null) {
            operation.getResponses().addAPIResponse("503", OASFactory.createAPIResponse()
                    .description("The tenant's database cannot be reached now; see Retry-After"));
        }
    }

    private static void problems(Operation operation) {
        if (operation.getResponses() == null) {
            return;
        }
        operation.getResponses().getAPIResponses().forEach((code, response) -> {
            if ((code.startsWith("4") || code.startsWith("5")) && response.getRef() == null) {
                problem(response);
            }
        });
    }

    private static void problem(APIResponse response) {
        response.setContent(OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(PROBLEM_REF))));
    }

    private static void security(Operation operation, boolean sessions) {
        List<SecurityRequirement> requirements = operation.getSecurity();
        if (requirements == null || requirements.isEmpty()) {
            return;
        }
        operation.setSecurity(sessions
                ? List.of(OASFactory.createSecurityRequirement().addScheme(BEARER),
                        OASFactory.createSecurityRequirement().addScheme(COOKIE))
                : List.of(OASFactory.createSecurityRequirement().addScheme(BEARER)));
    }
}
