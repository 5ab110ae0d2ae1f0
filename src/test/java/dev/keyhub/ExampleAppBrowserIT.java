package dev.keyhub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import dev.keyhub.embedded.EmbeddedPostgres;
import dev.keyhub.support.Keycloak;
import dev.keyhub.support.KeycloakServer;
import dev.keyhub.support.PackagedKeyHub;

/**
 * The example web app (examples/web) in a real browser: Debian's Chromium, headless, driven by Selenium through
 * chromedriver, against the packaged application in the prod profile (with the app switched on) and the real
 * Keycloak of the dev realm. Alice and Bob each have a browser of their own, with separate profiles, so nothing is
 * shared between them but KeyHub. Alice's is desktop-sized and Bob's phone-sized. Every wait is for a state of the
 * page, never a fixed time. A failure leaves a screenshot of both browsers in target/browser-screenshots.
 */
class ExampleAppBrowserIT {

    private static final Path LOG = Path.of("target", "example-app-browser.log");
    private static final Path SHOTS = Path.of("target", "browser-screenshots");
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    private final KeycloakServer keycloak = new KeycloakServer();
    private boolean keycloakStarted;
    private EmbeddedPostgres catalog;
    private PackagedKeyHub app;
    private ChromeDriver alice;
    private ChromeDriver bob;

    @Test
    void aliceInvitesBobWhoJoinsAndSeesTheRoleSheGivesHim() throws Exception {
        boolean browser = Files.isExecutable(Path.of(CHROMIUM)) && Files.isExecutable(Path.of(CHROMEDRIVER));
        // CI installs Chromium (.ci/run); a developer's machine without it skips this test and says how to run it.
        assertTrue(browser || System.getenv("CI") == null, "CI must have " + CHROMIUM + " and " + CHROMEDRIVER);
        assumeTrue(browser, "no Chromium: apt-get install chromium chromium-driver to run the browser test");
        keycloak.start();
        assumeTrue(KeycloakServer.unavailable() == null, KeycloakServer.unavailable());
        keycloakStarted = true;

        catalog = EmbeddedPostgres.start(Path.of("target", "embedded-postgres"), "example-app-browser", true);
        catalog.createDatabase("keyhub");
        Map<String, String> env = new HashMap<>();
        app = new PackagedKeyHub(LOG, catalog, env, List.of("-Xmx384m"));
        // 127.0.0.1, not localhost: Keycloak accepts any port of a loopback address in the realm's redirect URIs.
        String origin = app.baseUrl();
        env.putAll(Map.of("KEYHUB_ISSUER", Keycloak.ISSUER, "KEYHUB_JWKS_URL", Keycloak.ISSUER + "/protocol/openid-connect/certs",
                "MP_JWT_VERIFY_AUDIENCES", "keyhub", "KEYHUB_AUTH_CLIENT_SECRET", "keyhub-web-dev-secret",
                "KEYHUB_AUTH_REDIRECT_URI", origin + "/auth/callback", "KEYHUB_AUTH_ALLOWED_RETURN_TO", origin + "/app/",
                "KEYHUB_AUTH_POST_LOGOUT_REDIRECT_URI", origin + "/app/", "KEYHUB_EXAMPLE_APP_ENABLED", "true"));
        app.start();

        String admin = Keycloak.token("admin");
        createTenant(admin, "acme", "Acme", Keycloak.ALICE_SUB, "alice@acme.test", "Alice Acme");
        createTenant(admin, "acme-labs", "Acme Labs", Keycloak.ALICE_SUB, "alice@acme.test", "Alice Acme");
        createTenant(admin, "globex", "Globex", Keycloak.BOB_SUB, "bob@globex.test", "Bob Globex");

        alice = browser("alice", new Dimension(1280, 1500));
        bob = browser("bob", new Dimension(390, 844));
        try {
            // Alice signs in to Acme Labs, then picks Acme among her tenants.
            signIn(alice, origin, "acme-labs", "alice");
            waitText(alice, By.id("profile-tenant"), "acme-labs");
            // Usable with a keyboard and a screen reader: every visible control has a label or an accessible name,
            // and on a page just loaded the first Tab reaches the skip link.
            assertEquals(0L, alice.executeScript("""
                    return [...document.querySelectorAll('input, select, textarea, button')]
                        .filter(e => e.offsetParent !== null)
                        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
                            && !(e.tagName === 'BUTTON' && e.textContent.trim()))
                        .length;"""), "every visible control is labelled");
            alice.findElement(By.tagName("body")).sendKeys(Keys.TAB);
            assertEquals("Skip to content", alice.switchTo().activeElement().getText());
            click(alice, By.xpath("//ul[@id='tenant-list']//button[normalize-space()='Open Acme']"));
            waitText(alice, By.id("profile-tenant"), "acme");
            assertEquals("admin", alice.findElement(By.id("profile-role")).getText());

            // She invites with a join code and copies it.
            new Select(alice.findElement(By.id("invite-role"))).selectByValue("member");
            click(alice, By.cssSelector("#invite-form button[type=submit]"));
            WebElement codeField = wait(alice).until(ExpectedConditions.visibilityOfElementLocated(By.id("invite-code")));
            String code = codeField.getDomProperty("value");
            assertFalse(code == null || code.isBlank(), "a join code is shown");
            click(alice, By.id("invite-copy"));
            wait(alice).until(ExpectedConditions.textMatches(By.id("status"), Pattern.compile("copied|selected")));

            // Bob, in his own browser at phone width, signs in to Globex and redeems it: he signs in again with the
            // code (Keycloak knows him by now and asks nothing) and lands in Acme as a member.
            signIn(bob, origin, "globex", "bob");
            waitText(bob, By.id("profile-tenant"), "globex");
            bob.findElement(By.id("redeem-code")).sendKeys(code);
            click(bob, By.cssSelector("#redeem-form button[type=submit]"));
            waitText(bob, By.id("profile-tenant"), "acme");
            assertEquals("member", bob.findElement(By.id("profile-role")).getText());

            // Alice sees Bob among Acme's members and makes him an admin.
            alice.navigate().refresh();
            By bobRow = By.cssSelector("#member-list li[data-member='bob@globex.test']");
            wait(alice).until(ExpectedConditions.visibilityOfElementLocated(bobRow));
            assertEquals("member", alice.findElement(bobRow).findElement(By.className("role")).getText());
            new Select(alice.findElement(bobRow).findElement(By.tagName("select"))).selectByValue("admin");
            click(alice, By.cssSelector("#member-list li[data-member='bob@globex.test'] .actions button:not(.quiet)"));
            waitStatus(alice, "is now admin");
            wait(alice).until(d -> d.findElement(By.cssSelector("#member-list li[data-member='bob@globex.test'] .role"))
                    .getText().equals("admin"));
            // The picture of the app in the README (docs/images/example-app.png) is this one.
            alice.executeScript("window.scrollTo(0, 0)");
            Files.createDirectories(SHOTS);
            Files.copy(alice.getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve("example-app.png"),
                    StandardCopyOption.REPLACE_EXISTING);

            // Bob sees the role Alice gave him.
            bob.navigate().refresh();
            waitText(bob, By.id("profile-tenant"), "acme");
            waitText(bob, By.id("profile-role"), "admin");
            // As an admin now, Bob is offered the invitation form too.
            assertTrue(bob.findElement(By.id("invite")).isDisplayed());

            // Both sign out: KeyHub's session ends and Keycloak's too; the app then offers to sign in again.
            signOut(alice, origin);
            signOut(bob, origin);
        } catch (AssertionError | RuntimeException e) {
            screenshot(alice, "alice");
            screenshot(bob, "bob");
            PackagedKeyHub.printTail(LOG);
            throw e;
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (ChromeDriver driver : new ChromeDriver[] { alice, bob }) {
            if (driver != null) {
                driver.quit();
            }
        }
        if (app != null) {
            app.stop();
        }
        if (catalog != null) {
            catalog.stop();
        }
        if (keycloakStarted) {
            keycloak.stop();
        }
    }

    private void createTenant(String admin, String slug, String name, String owner, String email, String ownerName) {
        PackagedKeyHub.Answer created = app.call("POST", "/admin/tenants", admin, """
                {"slug":"%s","name":"%s","type":"team","owner":{"subject":"%s","email":"%s","name":"%s"}}"""
                .formatted(slug, name, owner, email, ownerName));
        assertEquals(201, created.status(), created.body());
    }

    /** A headless Chromium with a profile of its own, as the machine's closed network needs it started. */
    private static ChromeDriver browser(String who, Dimension size) throws Exception {
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory("chromium-" + who).toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(size);
        return driver;
    }

    /** Signs in through the app's form and Keycloak's login page (one page, or username first then password). */
    private static void signIn(ChromeDriver driver, String origin, String tenant, String user) {
        driver.get(origin + "/app/");
        wait(driver).until(ExpectedConditions.visibilityOfElementLocated(By.id("sign-in-tenant"))).sendKeys(tenant);
        click(driver, By.cssSelector("#sign-in-form button[type=submit]"));
        wait(driver).until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(user);
        if (driver.findElements(By.id("password")).isEmpty()) {
            click(driver, By.id("kc-login"));
            wait(driver).until(ExpectedConditions.visibilityOfElementLocated(By.id("password")));
        }
        driver.findElement(By.id("password")).sendKeys(user + "-pass");
        click(driver, By.id("kc-login"));
        wait(driver).until(ExpectedConditions.urlToBe(origin + "/app/"));
        wait(driver).until(ExpectedConditions.visibilityOfElementLocated(By.id("signed-in")));
    }

    private static void signOut(ChromeDriver driver, String origin) {
        click(driver, By.id("sign-out"));
        // Keycloak asks to confirm the logout (no ID token hint is sent), then comes back to the app. The app's own
        // page shows the sign-in form only once its session is over, so either state is one the sign-out reached.
        wait(driver).until(d -> !d.findElements(By.id("kc-logout")).isEmpty() || signInShown(d, origin));
        if (!signInShown(driver, origin)) {
            click(driver, By.id("kc-logout"));
            wait(driver).until(d -> signInShown(d, origin));
        }
        // The session is over on the server as well: the API refuses the browser.
        Object status = driver.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch('/api/tenants/current/me').then(r => done(r.status), () => done(-1));");
        assertEquals(401L, status);
    }

    private static boolean signInShown(WebDriver driver, String origin) {
        return driver.getCurrentUrl().equals(origin + "/app/")
                && driver.findElements(By.id("sign-in-tenant")).stream().anyMatch(WebElement::isDisplayed);
    }

    private static void click(ChromeDriver driver, By by) {
        wait(driver).until(ExpectedConditions.elementToBeClickable(by)).click();
    }

    /** Waits until the element says exactly {@code text} ("acme" is not "acme-labs"). */
    private static void waitText(ChromeDriver driver, By by, String text) {
        wait(driver).until(ExpectedConditions.textToBe(by, text));
    }

    /** Waits until the status line (the app's live region) says something containing {@code text}. */
    private static void waitStatus(ChromeDriver driver, String text) {
        wait(driver).until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), text));
    }

    /** Long enough for a slow machine; it ends as soon as the state is reached. */
    private static WebDriverWait wait(ChromeDriver driver) {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(60));
        // A page being replaced by the next one leaves stale elements behind; the condition is asked again.
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static void screenshot(ChromeDriver driver, String who) {
        if (driver == null) {
            return;
        }
        try {
            Files.createDirectories(SHOTS);
            Path shot = SHOTS.resolve("failure-" + who + ".png");
            Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(SHOTS.resolve("failure-" + who + ".html"), driver.getPageSource());
            System.err.println("Screenshot of " + who + "'s browser at " + driver.getCurrentUrl() + ": " + shot);
        } catch (Exception e) {
            System.err.println("No screenshot of " + who + "'s browser: " + e);
        }
    }
}
