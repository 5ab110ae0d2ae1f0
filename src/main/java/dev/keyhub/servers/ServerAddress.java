package dev.keyhub.servers;

import io.vertx.pgclient.PgConnectOptions;

/** Where a database server listens and how to log in to it. Never serialised into a response. */
public record ServerAddress(String host, int port, String user, String password, String maintenanceDb) {

    public PgConnectOptions connectOptions(String database) {
        return new PgConnectOptions().setHost(host).setPort(port).setUser(user).setPassword(password)
                .setDatabase(database).setConnectTimeout(5000);
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    @Override
    public String toString() {
        return "ServerAddress[" + host + ":" + port + "]";
    }
}
