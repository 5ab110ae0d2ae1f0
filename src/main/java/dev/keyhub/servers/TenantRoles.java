package dev.keyhub.servers;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The PostgreSQL role of each tenant database: what KeyHub's tenant pools log in as.
 * <p>
 * A tenant database and its role have the same name ({@code kh_t_…}, from the tenant id). The role owns the
 * database, {@code CONNECT} on it is revoked from {@code PUBLIC}, and so the role can open that database and no
 * other: a request routed to the wrong database fails to log in instead of reading another tenant's data. Its
 * table privileges come from the group role {@value #GROUP}, granted on every table of the template (and by
 * default privileges on every table a migration adds), so a copy of the template is ready without touching its
 * tables; the group itself may connect nowhere.
 * <p>
 * The password is derived, never stored: HMAC-SHA-256 of the role name keyed with the server's admin password.
 * PostgreSQL gets only its SCRAM verifier, so the password never appears in a statement or a server log. A
 * changed admin password makes the next login of each tenant fail once; {@link DatabaseAdmin#repairRole} then sets
 * the verifier anew.
 */
public final class TenantRoles {

    /** The group role holding the table privileges of every tenant role. It has no login and connects nowhere. */
    public static final String GROUP = "keyhub_tenants";

    private static final int SCRAM_ITERATIONS = 4096;
    private static final SecureRandom RANDOM = new SecureRandom();

    private TenantRoles() {
    }

    /** The role of a tenant database: the database's own name. */
    public static String roleOf(String database) {
        DatabaseAdmin.quoteIdentifier(database);
        return database;
    }

    /** The password of a tenant database's role on this server. */
    public static String password(ServerAddress server, String database) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(("keyhub-tenant-role:" + server.password()).getBytes(StandardCharsets.UTF_8),
                    "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(roleOf(database).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA-256 is not available", e);
        }
    }

    /**
     * Creates the database's role if it is missing ({@code LOGIN} as given), sets its password, makes it the owner of
     * the database and a member of {@value #GROUP}, and revokes the database from {@code PUBLIC}. One string of
     * statements, for the maintenance database; an existing role keeps its {@code LOGIN} attribute.
     */
    public static String adoptSql(ServerAddress server, String database, boolean login) {
        String role = roleOf(database);
        String quoted = DatabaseAdmin.quoteIdentifier(role);
        return "DO $$BEGIN\n"
                + "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role + "') THEN CREATE ROLE "
                + quoted + (login ? " LOGIN" : " NOLOGIN") + "; END IF;\n"
                // A non-superuser admin must have the role's privileges to make it an owner and end its sessions.
                + "IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)\n"
                + "   AND NOT pg_has_role(current_user, '" + role + "', 'USAGE') THEN\n"
                + "  EXECUTE format('GRANT %I TO %I', '" + role + "', current_user);\n"
                + "END IF;\n"
                + "END$$;\n"
                + "ALTER ROLE " + quoted + " PASSWORD '" + scramVerifier(password(server, database)) + "';\n"
                + "GRANT " + GROUP + " TO " + quoted + ";\n"
                // Revoked while KeyHub's role still owns the database: a non-superuser may revoke only as owner.
                + "REVOKE ALL ON DATABASE " + quoted + " FROM PUBLIC;\n"
                + "ALTER DATABASE " + quoted + " OWNER TO " + quoted;
    }

    /**
     * Makes {@code database} (a database built to take the place of {@code ownerDatabase}, as a restore does) the
     * property of {@code ownerDatabase}'s role, closed to {@code PUBLIC}. For the maintenance database.
     */
    public static String ownSql(String database, String ownerDatabase) {
        String quoted = DatabaseAdmin.quoteIdentifier(database);
        return "REVOKE ALL ON DATABASE " + quoted + " FROM PUBLIC;\n"
                + "ALTER DATABASE " + quoted + " OWNER TO " + DatabaseAdmin.quoteIdentifier(roleOf(ownerDatabase));
    }

    /**
     * Allows or refuses the role's logins. Refusing also revokes the credentials vended for the database and ends
     * the role's open sessions. For the maintenance database.
     */
    public static String loginSql(String database, boolean login) {
        String role = roleOf(database);
        String quoted = DatabaseAdmin.quoteIdentifier(role);
        if (login) {
            return "ALTER ROLE " + quoted + " LOGIN";
        }
        return "ALTER ROLE " + quoted + " NOLOGIN;\n" + revokeCredentialsSql(database) + ";\n"
                + "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" + role + "'";
    }

    /**
     * Drops the role if it exists, with the credentials vended for its database, once the database is gone. For
     * the maintenance database.
     */
    public static String dropSql(String database) {
        return revokeCredentialsSql(database) + ";\n"
                + "DROP ROLE IF EXISTS " + DatabaseAdmin.quoteIdentifier(roleOf(database));
    }

    /** The prefix of the login roles vended to services outside KeyHub; each is a member of one tenant role. */
    public static final String CREDENTIAL_PREFIX = "kh_c_";

    /** A new name for a credential of the database: {@code kh_c_<tenant id>_<8 random hex digits>}. */
    public static String newCredentialRole(String database) {
        byte[] suffix = new byte[4];
        RANDOM.nextBytes(suffix);
        String name = CREDENTIAL_PREFIX + roleOf(database).substring(CREDENTIAL_PREFIX.length()) + "_"
                + HexFormat.of().formatHex(suffix);
        DatabaseAdmin.quoteIdentifier(name);
        return name;
    }

    /** A new random password for a vended credential: 256 bits, URL-safe Base64. */
    public static String newCredentialPassword() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /**
     * Creates a vended credential: a login role with the given password (as its SCRAM verifier) valid until
     * {@code validUntil}, with at most {@code connectionLimit} sessions, a member of the database's role and so
     * able to open that database only. A non-superuser admin grants it to itself, so that it may end its sessions.
     */
    public static String issueCredentialSql(String database, String credential, String password,
            java.time.OffsetDateTime validUntil, int connectionLimit) {
        String quoted = DatabaseAdmin.quoteIdentifier(credential);
        return "DO $$BEGIN\n"
                + "CREATE ROLE " + quoted + " LOGIN PASSWORD '" + scramVerifier(password) + "' VALID UNTIL '"
                + validUntil + "' CONNECTION LIMIT " + connectionLimit + " IN ROLE "
                + DatabaseAdmin.quoteIdentifier(roleOf(database)) + ";\n"
                + "IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN\n"
                + "  EXECUTE format('GRANT %I TO %I', '" + credential + "', current_user);\n"
                + "END IF;\n"
                + "END$$";
    }

    /**
     * Revokes every credential vended for the database: ends its sessions and drops its role. A credential role
     * that owns objects (a service created some) cannot be dropped while they exist; it is refused logins instead,
     * and dropped by the recovery sweep once they are gone. For the maintenance database.
     */
    public static String revokeCredentialsSql(String database) {
        return dropCredentials("""
                SELECT m.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
                WHERE a.roleid = (SELECT oid FROM pg_roles WHERE rolname = '%s') AND m.rolname LIKE 'kh\\_c\\_%%'"""
                .formatted(roleOf(database)));
    }

    /**
     * Drops the vended credentials that expired, or whose tenant role is gone; for the recovery sweep, on the
     * maintenance database.
     */
    public static final String DROP_STALE_CREDENTIALS_SQL = dropCredentials("""
            SELECT c.rolname FROM pg_roles c
            WHERE c.rolname LIKE 'kh\\_c\\_%' AND (c.rolvaliduntil < now() OR NOT EXISTS (
                SELECT FROM pg_auth_members a JOIN pg_roles t ON t.oid = a.roleid
                WHERE a.member = c.oid AND t.rolname LIKE 'kh\\_t\\_%'))""");

    /**
     * One statement that, for each credential role the query names, ends its sessions and drops it, or refuses
     * its logins when it owns objects and cannot be dropped yet.
     */
    private static String dropCredentials(String rolesQuery) {
        return """
                DO $$DECLARE r text; BEGIN
                  FOR r IN %s
                  LOOP
                    PERFORM pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = r;
                    BEGIN
                      EXECUTE format('DROP ROLE %%I', r);
                    EXCEPTION WHEN dependent_objects_still_exist THEN
                      EXECUTE format('ALTER ROLE %%I NOLOGIN', r);
                    END;
                  END LOOP;
                END$$""".formatted(rolesQuery);
    }

    /** Creates the group role unless it exists; for the maintenance database. */
    public static final String CREATE_GROUP_SQL = "DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '"
            + GROUP + "') THEN CREATE ROLE " + GROUP + " NOLOGIN; END IF; END$$";

    /**
     * Inside a tenant database or the template: the group gets the data of every table and sequence, now and (by
     * default privileges of the role that runs migrations) for those added later; the Liquibase history stays
     * KeyHub's.
     */
    public static final String GRANTS_SQL = """
            GRANT USAGE ON SCHEMA public TO %1$s;
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %1$s;
            GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %1$s;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %1$s;
            ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %1$s;
            DO $$DECLARE t text; BEGIN
              FOR t IN SELECT quote_ident(relname) FROM pg_class
                       WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
                         AND relname LIKE 'databasechangelog%%'
              LOOP EXECUTE 'REVOKE ALL ON ' || t || ' FROM %1$s'; END LOOP;
            END$$""".formatted(GROUP);

    /**
     * The databases of a server that no tenant role may open, besides the other tenants' own: the maintenance
     * database, {@code template1}, the template, and the catalog when it lives there.
     */
    public static List<String> revokeFromPublicSql(List<String> databases) {
        return databases.stream().distinct()
                .map(d -> "REVOKE CONNECT, TEMPORARY ON DATABASE \"" + d.replace("\"", "\"\"") + "\" FROM PUBLIC")
                .toList();
    }

    /**
     * Of the databases named by the array parameter, those that {@code PUBLIC} may still open: a revoke by a role
     * that does not own a database changes nothing, with only a warning.
     */
    public static final String STILL_PUBLIC_SQL = """
            SELECT datname FROM pg_database
            WHERE datname = ANY (?) AND has_database_privilege('public', datname, 'CONNECT')""";

    /**
     * The SCRAM-SHA-256 verifier of a password, as PostgreSQL stores it (RFC 5802 and 7677): what {@code ALTER ROLE …
     * PASSWORD} is given, so that the password itself never reaches the server.
     */
    static String scramVerifier(String password) {
        try {
            byte[] salt = new byte[16];
            RANDOM.nextBytes(salt);
            byte[] salted = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(password.toCharArray(), salt, SCRAM_ITERATIONS, 256)).getEncoded();
            byte[] clientKey = hmac(salted, "Client Key");
            byte[] storedKey = MessageDigest.getInstance("SHA-256").digest(clientKey);
            byte[] serverKey = hmac(salted, "Server Key");
            Base64.Encoder b64 = Base64.getEncoder();
            return "SCRAM-SHA-256$" + SCRAM_ITERATIONS + ":" + b64.encodeToString(salt) + "$"
                    + b64.encodeToString(storedKey) + ":" + b64.encodeToString(serverKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SCRAM-SHA-256 is not available", e);
        }
    }

    private static byte[] hmac(byte[] key, String message) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
    }
}
