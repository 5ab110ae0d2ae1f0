package dev.keyhub.support;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;

import dev.keyhub.domains.TxtRecords;

/**
 * The tests' DNS: TXT records a test publishes here, in place of the production resolver (which asks real DNS). A
 * name can also be made to fail, as a DNS server that does not answer.
 */
@ApplicationScoped
public class PublishedTxtRecords implements TxtRecords {

    private static final Map<String, List<String>> RECORDS = new ConcurrentHashMap<>();
    private static final String FAILING = "\u0000failing";

    public static void publish(String name, String... values) {
        RECORDS.put(name, List.of(values));
    }

    public static void failing(String name) {
        RECORDS.put(name, List.of(FAILING));
    }

    @Override
    public Uni<List<String>> of(String name) {
        List<String> values = RECORDS.getOrDefault(name, List.of());
        if (values.contains(FAILING)) {
            return Uni.createFrom().failure(new java.io.IOException("DNS query timed out"));
        }
        return Uni.createFrom().item(values);
    }
}
