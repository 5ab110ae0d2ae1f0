package dev.keyhub.domains;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import io.vertx.core.dns.DnsException;
import io.vertx.core.dns.DnsResponseCode;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.dns.DnsClient;

/** TXT records from the DNS servers this machine uses (Vert.x's DNS client, with the system's resolver settings). */
@ApplicationScoped
@DefaultBean
public class DnsTxtRecords implements TxtRecords {

    private final DnsClient dns;

    public DnsTxtRecords(Vertx vertx) {
        this.dns = vertx.createDnsClient();
    }

    @Override
    public Uni<List<String>> of(String name) {
        return dns.resolveTXT(name).onFailure(e -> e instanceof DnsException d && d.code() == DnsResponseCode.NXDOMAIN)
                .recoverWithItem(List.of());
    }
}
