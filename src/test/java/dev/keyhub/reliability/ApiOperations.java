package dev.keyhub.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;

/** The operations of the live OpenAPI document, with their parameters and request body properties. */
final class ApiOperations {

    private ApiOperations() {
    }

    /** One parameter: where it goes (path, query, header) and its name. */
    record Param(String in, String name) {
    }

    /** One property of a request body, by its path from the root object (["owner", "email"]), and its JSON type. */
    record Property(List<String> path, String type, String itemType) {

        String dotted() {
            return String.join(".", path);
        }
    }

    record Operation(String method, String path, List<Param> params, List<Property> body, boolean hasBody) {

        boolean admin() {
            return path.startsWith("/admin");
        }

        boolean tenantRoute() {
            return path.startsWith("/api/tenants/{tenant}");
        }

        boolean writes() {
            return !"GET".equals(method);
        }

        List<Param> params(String in) {
            return params.stream().filter(p -> p.in().equals(in)).toList();
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    @SuppressWarnings("unchecked")
    static List<Operation> load() {
        Map<String, Object> doc = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200)
                .extract().as(Map.class);
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) doc.get("paths");
        List<Operation> ops = new ArrayList<>();
        paths.forEach((path, methods) -> methods.forEach((method, raw) -> {
            if (!(raw instanceof Map<?, ?>) || "parameters".equals(method)) {
                return;
            }
            Map<String, Object> operation = (Map<String, Object>) raw;
            List<Param> params = ((List<Map<String, Object>>) operation.getOrDefault("parameters", List.of())).stream()
                    .map(p -> new Param((String) p.get("in"), (String) p.get("name"))).toList();
            Map<String, Object> requestBody = (Map<String, Object>) operation.get("requestBody");
            List<Property> body = new ArrayList<>();
            if (requestBody != null) {
                Map<String, Object> content = (Map<String, Object>) requestBody.get("content");
                Map<String, Object> json = (Map<String, Object>) content.values().iterator().next();
                flatten(resolve((Map<String, Object>) json.get("schema"), schemas), schemas, List.of(), body, 0);
            }
            ops.add(new Operation(method.toUpperCase(), path, params, body, requestBody != null));
        }));
        ops.sort((a, b) -> (a.path() + a.method()).compareTo(b.path() + b.method()));
        return ops;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolve(Map<String, Object> schema, Map<String, Object> schemas) {
        Map<String, Object> s = schema == null ? Map.of() : schema;
        while (s.containsKey("$ref")) {
            String ref = (String) s.get("$ref");
            s = (Map<String, Object>) schemas.get(ref.substring(ref.lastIndexOf('/') + 1));
        }
        return s;
    }

    @SuppressWarnings("unchecked")
    private static void flatten(Map<String, Object> schema, Map<String, Object> schemas, List<String> prefix,
            List<Property> out, int depth) {
        Map<String, Object> props = (Map<String, Object>) schema.get("properties");
        if (props == null || depth > 3) {
            return;
        }
        props.forEach((name, raw) -> {
            Map<String, Object> p = resolve((Map<String, Object>) raw, schemas);
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            String type = type(p);
            String itemType = null;
            if ("array".equals(type)) {
                itemType = type(resolve((Map<String, Object>) p.get("items"), schemas));
            }
            out.add(new Property(List.copyOf(path), type, itemType));
            if ("object".equals(type)) {
                flatten(p, schemas, path, out, depth + 1);
            }
        });
    }

    private static String type(Map<String, Object> schema) {
        Object type = schema.get("type");
        if (type instanceof List<?> list) {
            // OpenAPI 3.1: ["string", "null"]
            type = list.stream().filter(t -> !"null".equals(t)).map(Object::toString).collect(Collectors.joining());
        }
        if (type == null) {
            return schema.containsKey("properties") ? "object" : "any";
        }
        return type.toString();
    }
}
