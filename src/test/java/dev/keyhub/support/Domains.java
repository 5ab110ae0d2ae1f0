package dev.keyhub.support;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import io.restassured.http.ContentType;

import static io.restassured.RestAssured.given;

/** Gives a tenant a verified domain the way its admin would: claim it, publish the TXT record, verify. */
public final class Domains {

    private Domains() {
    }

    public static String unique() {
        return "d" + UUID.randomUUID().toString().substring(0, 8) + ".example.com";
    }

    /** A new verified domain of the tenant, open to auto-join with {@code autoJoinRole} (null: not open). */
    public static String verified(Tenants.Created t, String autoJoinRole) {
        String domain = unique();
        String base = "/api/tenants/" + t.slug() + "/domains";
        Map<String, Object> body = new HashMap<>(Map.of("domain", domain));
        body.put("autoJoinRole", autoJoinRole);
        var added = given().auth().oauth2(Members.ownerToken(t)).contentType(ContentType.JSON).body(body).post(base)
                .then().statusCode(201).extract();
        PublishedTxtRecords.publish(added.path("txtName"), "v=spf1 -all", (String) added.path("txtValue"));
        given().auth().oauth2(Members.ownerToken(t)).post(base + "/" + domain + "/verify").then().statusCode(200);
        return domain;
    }
}
