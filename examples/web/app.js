// @ts-check
// KeyHub's example web app: plain JavaScript with no build step, typed through JSDoc against the client generated
// from the OpenAPI document (clients/typescript; `clients/typescript/generate` type-checks this file). The browser
// signs in through /auth/login and holds only KeyHub's HttpOnly session cookie; every call goes to the same
// origin, and `current` in a path is the tenant of that session.
import { createKeyHubClient } from "./keyhub-client.js";

/** @typedef {import("./keyhub-client.js").Schemas} Schemas */
/** @typedef {import("./keyhub-client.js").Problem} Problem */
/** @typedef {Schemas["MeView"]} Me */
/** @typedef {Schemas["MemberView"]} Member */
/** @typedef {Schemas["Role"]} Role */

const api = createKeyHubClient();
const ROLES = /** @type {Role[]} */ (["viewer", "member", "admin"]);

/** @type {Me | null} */
let me = null;
/** @type {string | null | undefined} */
let membersCursor = null;

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
function el(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`#${id} is missing`);
  }
  return found;
}

const E = {
  status: el("status", HTMLElement),
  main: el("main", HTMLElement),
  signedOut: el("signed-out", HTMLElement),
  signedIn: el("signed-in", HTMLElement),
  who: el("who", HTMLElement),
  whoName: el("who-name", HTMLElement),
  signOut: el("sign-out", HTMLButtonElement),
  signInForm: el("sign-in-form", HTMLFormElement),
  signInTenant: el("sign-in-tenant", HTMLInputElement),
  signInCodeForm: el("sign-in-code-form", HTMLFormElement),
  signInCode: el("sign-in-code", HTMLInputElement),
  tenantList: el("tenant-list", HTMLUListElement),
  offeredBlock: el("offered-block", HTMLElement),
  offeredList: el("offered-list", HTMLUListElement),
  profileTenant: el("profile-tenant", HTMLElement),
  profileEmail: el("profile-email", HTMLElement),
  profileRole: el("profile-role", HTMLElement),
  profileForm: el("profile-form", HTMLFormElement),
  profileName: el("profile-name", HTMLInputElement),
  profileIcon: el("profile-icon", HTMLInputElement),
  memberList: el("member-list", HTMLUListElement),
  membersMore: el("members-more", HTMLButtonElement),
  invite: el("invite", HTMLElement),
  inviteForm: el("invite-form", HTMLFormElement),
  inviteRole: el("invite-role", HTMLSelectElement),
  inviteUses: el("invite-uses", HTMLInputElement),
  inviteResult: el("invite-result", HTMLElement),
  inviteCode: el("invite-code", HTMLInputElement),
  inviteCopy: el("invite-copy", HTMLButtonElement),
  redeemForm: el("redeem-form", HTMLFormElement),
  redeemCode: el("redeem-code", HTMLInputElement),
  sessionList: el("session-list", HTMLUListElement),
};

/** Says something to everyone, screen readers included (the status line is a polite live region). */
function say(/** @type {string} */ message, error = false) {
  E.status.textContent = message;
  E.status.classList.toggle("error", error);
}

/** A refusal as the person should read it: the problem's detail, else its title. */
function problemText(/** @type {Problem | undefined} */ problem, /** @type {string} */ fallback) {
  return problem?.detail ?? problem?.title ?? fallback;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {(Node | string)[]} children
 */
function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function button(/** @type {string} */ label, /** @type {() => void} */ onClick, quiet = false) {
  const b = /** @type {HTMLButtonElement} */ (h("button", { type: "button" }, label));
  if (quiet) {
    b.classList.add("quiet");
  }
  b.addEventListener("click", onClick);
  return b;
}

// --- Signing in and out -----------------------------------------------------------------------------------------

/**
 * Sends the browser through Keycloak and back to this page: to a tenant, or with a join code to the code's tenant
 * (joining it when not yet a member). Keycloak asks for a password only when it has no session of its own yet.
 * @param {{ tenant: string } | { joinCode: string }} target
 */
function signIn(target) {
  const query = new URLSearchParams({ ...target, returnTo: new URL("./", location.href).href });
  location.assign(`/auth/login?${query}`);
}

E.signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn({ tenant: E.signInTenant.value.trim().toLowerCase() });
});

E.signInCodeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn({ joinCode: E.signInCode.value.trim() });
});

E.signOut.addEventListener("click", async () => {
  const { data } = await api.POST("/auth/logout");
  // Ended here; Keycloak's own session ends at its logout page, which comes back to this app when configured.
  if (data?.logoutUrl) {
    location.assign(data.logoutUrl);
  } else {
    await start();
  }
});

// --- The signed-in view -----------------------------------------------------------------------------------------

async function start() {
  const { data: who, response } = await api.GET("/api/tenants/{tenant}/me", { params: { path: { tenant: "current" } } });
  if (response.status === 401 || !who) {
    me = null;
    E.signedIn.hidden = true;
    E.who.hidden = true;
    E.signedOut.hidden = false;
    if (response.status !== 401) {
      say("Your session could not be read; sign in again.", true);
    }
    return;
  }
  me = who;
  E.signedOut.hidden = true;
  E.signedIn.hidden = false;
  E.who.hidden = false;
  E.whoName.textContent = `${who.name ?? who.email} · ${who.tenant.slug}`;
  E.invite.hidden = who.role !== "admin";
  showProfile(who);
  await Promise.all([showTenants(), showMembers(true), showSessions()]);
}

async function showTenants() {
  const { data, error } = await api.GET("/api/me/tenants");
  if (!data) {
    say(problemText(error, "Your tenants could not be listed."), true);
    return;
  }
  E.tenantList.replaceChildren(...data.tenants.map((t) => {
    const here = t.id === me?.tenant.id;
    const item = h("li", here ? { "aria-current": "true" } : {},
      h("span", {}, h("strong", {}, t.name), " ", h("span", { class: "meta" }, `${t.slug} · ${t.role}`
        + (t.status === "ACTIVE" ? "" : ` · ${t.status.toLowerCase()}`))));
    if (here) {
      item.append(h("span", { class: "meta" }, "(open now)"));
    } else if (t.status === "ACTIVE") {
      item.append(button(`Open ${t.name}`, () => switchTo(t.slug)));
    }
    return item;
  }));
  E.offeredBlock.hidden = data.offered.length === 0;
  E.offeredList.replaceChildren(...data.offered.map((t) => h("li", {},
    h("span", {}, h("strong", {}, t.name), " ", h("span", { class: "meta" }, `${t.slug} · joins as ${t.role}`)),
    // Signing in to a tenant open to one's email domain joins it, with the domain's role.
    button(`Join ${t.name}`, () => signIn({ tenant: t.slug })))));
}

async function switchTo(/** @type {string} */ tenant) {
  const { data, error } = await api.POST("/auth/switch", { body: { tenant } });
  if (!data) {
    say(problemText(error, "Could not switch."), true);
    return;
  }
  await start();
  say(`Now in ${data.tenant.slug}.`);
  E.main.focus();
}

// --- Profile ----------------------------------------------------------------------------------------------------

function showProfile(/** @type {Me} */ who) {
  E.profileTenant.textContent = who.tenant.slug;
  E.profileEmail.textContent = who.email;
  E.profileRole.textContent = who.role;
  E.profileName.value = who.name ?? "";
  E.profileIcon.value = who.icon ?? "";
}

E.profileForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { data, error } = await api.PATCH("/api/tenants/{tenant}/me", {
    params: { path: { tenant: "current" } },
    body: { name: E.profileName.value.trim() || undefined, icon: E.profileIcon.value.trim() || undefined },
  });
  if (!data) {
    say(problemText(error, "The profile was not saved."), true);
    return;
  }
  me = data;
  showProfile(data);
  E.whoName.textContent = `${data.name ?? data.email} · ${data.tenant.slug}`;
  say("Profile saved.");
  await showMembers(true);
});

// --- Members ----------------------------------------------------------------------------------------------------

async function showMembers(/** @type {boolean} */ fresh) {
  const { data, error } = await api.GET("/api/tenants/{tenant}/users", {
    params: { path: { tenant: "current" }, query: { size: "50", ...(fresh || !membersCursor ? {} : { cursor: membersCursor }) } },
  });
  if (!data) {
    say(problemText(error, "Members could not be listed."), true);
    return;
  }
  const rows = data.items.map(memberRow);
  if (fresh) {
    E.memberList.replaceChildren(...rows);
  } else {
    E.memberList.append(...rows);
  }
  membersCursor = data.nextCursor;
  E.membersMore.hidden = !data.nextCursor;
}

E.membersMore.addEventListener("click", () => showMembers(false));

function memberRow(/** @type {Member} */ m) {
  const label = m.name ?? m.email;
  const item = h("li", { "data-member": m.email },
    h("span", {}, h("strong", {}, label), " ", h("span", { class: "meta" }, m.name ? `${m.email} · ` : "",
      h("span", { class: "role" }, m.role))));
  if (me?.role === "admin" && m.id !== me.id) {
    const select = /** @type {HTMLSelectElement} */ (h("select", { "aria-label": `Role of ${label}` },
      ...ROLES.map((r) => {
        const option = /** @type {HTMLOptionElement} */ (h("option", { value: r }, r));
        option.selected = r === m.role;
        return option;
      })));
    item.append(h("span", { class: "actions" }, select,
      button(`Change role of ${label}`, () => changeRole(m, /** @type {Role} */ (select.value))),
      button(`Remove ${label}`, () => removeMember(m), true)));
  }
  return item;
}

async function changeRole(/** @type {Member} */ m, /** @type {Role} */ role) {
  const { data, error } = await api.PATCH("/api/tenants/{tenant}/users/{id}", {
    params: { path: { tenant: "current", id: m.id } }, body: { role },
  });
  if (!data) {
    say(problemText(error, "The role was not changed."), true);
    return;
  }
  say(`${data.name ?? data.email} is now ${data.role}.`);
  await showMembers(true);
}

async function removeMember(/** @type {Member} */ m) {
  if (!confirm(`Remove ${m.name ?? m.email} from this tenant?`)) {
    return;
  }
  const { error, response } = await api.DELETE("/api/tenants/{tenant}/users/{id}", {
    params: { path: { tenant: "current", id: m.id } },
  });
  if (!response.ok) {
    say(problemText(error, "The member was not removed."), true);
    return;
  }
  say(`${m.name ?? m.email} was removed.`);
  await showMembers(true);
}

// --- Join codes -------------------------------------------------------------------------------------------------

E.inviteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { data, error } = await api.POST("/api/tenants/{tenant}/join-codes", {
    params: { path: { tenant: "current" } },
    body: { role: /** @type {Role} */ (E.inviteRole.value), maxUses: Number(E.inviteUses.value) },
  });
  if (!data || !data.code) {
    say(problemText(error, "No join code was created."), true);
    return;
  }
  E.inviteCode.value = data.code;
  E.inviteResult.hidden = false;
  E.inviteCode.focus();
  E.inviteCode.select();
  say("Join code created. It is shown only now: copy it and send it to the people you invite.");
});

E.inviteCopy.addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(E.inviteCode.value);
    say("Join code copied.");
  } catch {
    E.inviteCode.select();
    say("Copying is not allowed here; the code is selected, copy it with your keyboard.");
  }
});

// A session belongs to one tenant and cannot join another (403 tenant_mismatch from POST /api/join): redeeming
// signs in again with the code, which Keycloak answers at once from its own session, and lands in the new tenant.
E.redeemForm.addEventListener("submit", (event) => {
  event.preventDefault();
  signIn({ joinCode: E.redeemCode.value.trim() });
});

// --- Sessions ---------------------------------------------------------------------------------------------------

async function showSessions() {
  const { data, error } = await api.GET("/api/tenants/{tenant}/sessions", { params: { path: { tenant: "current" } } });
  if (!data) {
    say(problemText(error, "Sessions could not be listed."), true);
    return;
  }
  E.sessionList.replaceChildren(...data.map((s) => {
    const what = `${s.userAgent ?? "Unknown browser"}, since ${new Date(s.createdAt).toLocaleString()}`;
    const item = h("li", {}, h("span", {}, what, s.current ? h("strong", {}, " (this one)") : ""));
    if (!s.current) {
      item.append(button("Revoke", () => revokeSession(s.id), true));
    }
    return item;
  }));
}

async function revokeSession(/** @type {string} */ id) {
  const { error, response } = await api.DELETE("/api/tenants/{tenant}/sessions/{id}", {
    params: { path: { tenant: "current", id } },
  });
  if (!response.ok) {
    say(problemText(error, "The session was not revoked."), true);
    return;
  }
  say("Session revoked.");
  await showSessions();
}

start().catch((e) => say(`Something went wrong: ${e instanceof Error ? e.message : e}`, true));
