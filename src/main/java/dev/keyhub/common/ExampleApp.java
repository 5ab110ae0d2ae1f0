package dev.keyhub.common;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;

/**
 * The example web app (examples/web, packaged under {@code META-INF/resources/app}) is served at {@code /app/} only
 * when {@code keyhub.example-app.enabled} is true: in dev mode and tests by default, in production only when asked
 * for. Otherwise {@code /app} answers 404 like any unknown path.
 */
@ApplicationScoped
public class ExampleApp {

    private final boolean enabled;

    public ExampleApp(@ConfigProperty(name = "keyhub.example-app.enabled", defaultValue = "false") boolean enabled) {
        this.enabled = enabled;
    }

    void install(@Observes Router router) {
        if (enabled) {
            // Vert.x matches "/app" for "/app/" too; only the bare path is sent on to the directory.
            router.get("/app").order(Integer.MIN_VALUE + 100).handler(ctx -> {
                if (ctx.request().path().equals("/app")) {
                    ctx.redirect("/app/");
                } else {
                    ctx.next();
                }
            });
            return;
        }
        router.route("/app/*").order(Integer.MIN_VALUE + 100).handler(ctx -> ctx.response().setStatusCode(404)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .end(Json.encode(Problem.ofStatus(404).body())));
    }
}
