package dev.keyhub.domains;

import java.util.List;

import io.smallrye.mutiny.Uni;

/**
 * Reads a name's DNS TXT records, for domain verification. Production asks DNS ({@link DnsTxtRecords}); a test
 * provides its own bean, which replaces that one.
 */
public interface TxtRecords {

    /** The TXT records of {@code name}; empty when it has none or does not exist. Fails when DNS cannot be asked. */
    Uni<List<String>> of(String name);
}
