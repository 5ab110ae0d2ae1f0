package dev.keyhub.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JFR recording's CPU samples went: each sample is given to the first area, walking from the
 * innermost frame outwards, whose package prefix a frame matches; and the hottest innermost methods.
 */
final class Profile {

    /** Areas in the order a sample is tested against them; the first match from the leaf outwards wins. */
    private static final Map<String, List<String>> AREAS = new LinkedHashMap<>();

    static {
        AREAS.put("token verification (JWT parse, RSA signature)", List.of("org.jose4j.", "io.smallrye.jwt.",
                "sun.security.rsa.", "java.math.BigInteger", "sun.security.", "java.security."));
        AREAS.put("SQL client (Vert.x PostgreSQL)", List.of("io.vertx.pgclient.", "io.vertx.sqlclient."));
        AREAS.put("JSON (Jackson)", List.of("com.fasterxml.jackson."));
        AREAS.put("caches (Caffeine, quarkus-cache)", List.of("com.github.benmanes.caffeine.", "io.quarkus.cache."));
        AREAS.put("metrics (Micrometer)", List.of("io.micrometer.", "io.quarkus.micrometer."));
        AREAS.put("security (Quarkus)", List.of("io.quarkus.security.", "io.quarkus.vertx.http.runtime.security.",
                "io.quarkus.smallrye.jwt."));
        AREAS.put("REST (Quarkus REST)", List.of("org.jboss.resteasy.reactive.", "io.quarkus.resteasy.reactive."));
        AREAS.put("Mutiny", List.of("io.smallrye.mutiny."));
        AREAS.put("HTTP and network (Vert.x, Netty)", List.of("io.vertx.core.", "io.vertx.ext.web.", "io.netty.",
                "sun.nio.", "java.nio."));
        AREAS.put("KeyHub", List.of("dev.keyhub."));
        AREAS.put("CDI (ArC)", List.of("io.quarkus.arc."));
        AREAS.put("logging", List.of("org.jboss.logmanager.", "org.jboss.logging."));
    }

    private Profile() {
    }

    static void print(Path recording) throws IOException {
        Map<String, Integer> areas = new HashMap<>();
        Map<String, Integer> leaves = new HashMap<>();
        int total = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            total++;
            RecordedFrame leaf = frames.get(0);
            leaves.merge(leaf.getMethod().getType().getName() + "." + leaf.getMethod().getName(), 1, Integer::sum);
            areas.merge(area(frames), 1, Integer::sum);
        }
        int samples = Math.max(1, total);
        System.out.printf(Locale.ROOT, "JFR profile of the scenario above (%s): %d CPU samples%n", recording, total);
        areas.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .forEach(a -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * a.getValue() / samples, a.getKey()));
        System.out.println("  hottest innermost methods:");
        leaves.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(15)
                .forEach(l -> System.out.printf(Locale.ROOT, "  %5.1f%%  %s%n", 100.0 * l.getValue() / samples, l.getKey()));
    }

    private static String area(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            String type = f.getMethod().getType().getName();
            for (Map.Entry<String, List<String>> a : AREAS.entrySet()) {
                for (String prefix : a.getValue()) {
                    if (type.startsWith(prefix)) {
                        return a.getKey();
                    }
                }
            }
        }
        return "other (JDK code outside the areas above)";
    }
}
