// Accounts of the admin's site: CSRs, site admins, WebACD agents. Role,
// WebACD flag and session mode change in place; new accounts get an
// initial password the person changes. Each other account can have its
// password reset (to a temporary one its owner must replace), be disabled
// and enabled, or be deleted after a second click to confirm.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { Account } from "../console/signin";

function roleSelect(value: string, id?: string): HTMLSelectElement {
  return el(
    "select",
    { attrs: { id, "data-test": "account-role" } },
    el("option", { props: { value: "csr", selected: value === "csr" } }, tn("admin.role_csr")),
    el("option", { props: { value: "admin", selected: value === "admin" } }, tn("admin.role_admin")),
  );
}

function statusText(account: Account): HTMLElement {
  const state = account.disabled ? "admin.status_disabled" : account.must_change_password ? "admin.status_must_change" : "admin.status_active";
  return el("span", null, tn(state), ...(account.two_factor ? [", ", tn("admin.status_two_factor")] : []));
}

function modeSelect(value: string | null): HTMLSelectElement {
  return el(
    "select",
    { attrs: { "data-test": "account-mode" } },
    el("option", { props: { value: "", selected: value === null } }, tn("admin.mode_site")),
    el("option", { props: { value: "single", selected: value === "single" } }, tn("admin.mode_single")),
    el("option", { props: { value: "multi", selected: value === "multi" } }, tn("admin.mode_multi")),
  );
}

export async function accountsSection(me: Account): Promise<HTMLElement> {
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "accounts-status" } });
  const body = el("tbody");
  const say = (text: string, error = false) => {
    status.className = error ? "status error" : "status";
    replace(status, text);
  };
  const change = async (account: Account, changes: Record<string, unknown>) => {
    try {
      await api.patch(`/api/admin/accounts/${encodeURIComponent(account.username)}`, changes);
      say(t("admin.updated", { name: account.username }));
    } catch (error) {
      say(describe(error), true);
      await load();
    }
  };
  const path = (account: Account, rest = "") => `/api/admin/accounts/${encodeURIComponent(account.username)}${rest}`;
  /**
   * Runs an action on an account, shows the list as it now is, then says
   * how it went (so what is said matches what is shown).
   */
  const act = async (run: () => Promise<unknown>, done: string) => {
    let failure: unknown = undefined;
    try {
      await run();
    } catch (error) {
      failure = error ?? new Error(String(error));
    }
    await load();
    if (failure === undefined) say(done);
    else say(describe(failure), true);
  };
  const actions = (account: Account): HTMLElement => {
    const cell = el("div", { class: "toolbar" });
    if (account.id === me.id) return cell;
    const whose = (key: "admin.temporary_password") => `${t(key)}: ${account.username}`;
    // A button says what it does; whose, for a screen reader, follows
    // unseen (its name then starts with its visible text, in any language).
    const forWhom = () => el("span", { class: "visually-hidden" }, ` (${account.username})`);
    const temporary = el("input", {
      attrs: { type: "password", autocomplete: "new-password", required: "", "data-test": "reset-password-input", "aria-label": whose("admin.temporary_password") },
    });
    const resetForm = el(
      "form",
      {
        class: "inline-form",
        props: { hidden: true },
        on: {
          submit: (event) => {
            event.preventDefault();
            void act(() => api.post(path(account, "/password"), { password: temporary.value }), t("admin.password_reset", { name: account.username }));
          },
        },
      },
      temporary,
      el("button", { attrs: { type: "submit", "data-test": "reset-password-set" } }, tn("admin.set_password")),
    );
    const reset = el(
      "button",
      {
        attrs: { type: "button", "data-test": "reset-password" },
        on: {
          click: () => {
            resetForm.hidden = false;
            temporary.focus();
          },
        },
      },
      tn("admin.reset_password"),
      forWhom(),
    );
    const disable = el(
      "button",
      {
        attrs: { type: "button", "data-test": account.disabled ? "enable-account" : "disable-account" },
        on: {
          click: () =>
            void act(
              () => api.put(path(account, "/disabled"), { disabled: !account.disabled }),
              t(account.disabled ? "admin.enabled" : "admin.disabled", { name: account.username }),
            ),
        },
      },
      tn(account.disabled ? "admin.enable" : "admin.disable"),
      forWhom(),
    );
    // Deleting takes a second click on the same button, which then asks.
    let armed = false;
    const remove: HTMLButtonElement = el(
      "button",
      {
        class: "danger",
        attrs: { type: "button", "data-test": "delete-account" },
        on: {
          click: () => {
            if (!armed) {
              armed = true;
              replace(remove, t("admin.confirm_delete", { name: account.username }));
              remove.focus();
              return;
            }
            void act(() => api.delete(path(account)), t("admin.deleted", { name: account.username }));
          },
        },
      },
      tn("admin.delete"),
      forWhom(),
    );
    const resetTwoFactor = account.two_factor
      ? el(
          "button",
          {
            attrs: { type: "button", "data-test": "reset-two-factor" },
            on: {
              click: () => void act(() => api.post(path(account, "/two-factor/reset")), t("admin.two_factor_reset", { name: account.username })),
            },
          },
          tn("admin.reset_two_factor"),
          forWhom(),
        )
      : null;
    cell.append(reset, ...(resetTwoFactor ? [resetTwoFactor] : []), disable, remove, resetForm);
    return cell;
  };
  const row = (account: Account) => {
    const role = roleSelect(account.role);
    role.disabled = account.id === me.id;
    role.addEventListener("change", () => void change(account, { role: role.value }));
    const webacd = el("input", { attrs: { type: "checkbox", "data-test": "account-webacd" }, props: { checked: account.webacd_agent } });
    webacd.addEventListener("change", () => void change(account, { webacd_agent: webacd.checked }));
    const mode = modeSelect(account.session_mode);
    mode.addEventListener("change", () => void change(account, { session_mode: mode.value || null }));
    // Controls in a table row are named by what and whose they are.
    const whose = (key: "admin.role" | "admin.webacd" | "admin.session_mode") => `${t(key)}: ${account.username}`;
    role.setAttribute("aria-label", whose("admin.role"));
    webacd.setAttribute("aria-label", whose("admin.webacd"));
    mode.setAttribute("aria-label", whose("admin.session_mode"));
    return el(
      "tr",
      { attrs: { "data-test": "account-row", "data-username": account.username } },
      el("td", null, account.username),
      el("td", null, account.display_name),
      el("td", null, account.email),
      el("td", null, role),
      el("td", null, webacd),
      el("td", null, mode),
      el("td", { attrs: { "data-test": "account-status" } }, statusText(account)),
      el("td", null, actions(account)),
    );
  };
  const load = async () => {
    try {
      const accounts = await api.get<Account[]>("/api/admin/accounts");
      replace(body, ...accounts.map(row));
    } catch (error) {
      say(describe(error), true);
    }
  };

  const username = el("input", { attrs: { id: "new-username", required: "", "data-test": "new-username" } });
  const displayName = el("input", { attrs: { id: "new-display-name", required: "", "data-test": "new-display-name" } });
  const email = el("input", { attrs: { id: "new-email", type: "email", "data-test": "new-email" } });
  const password = el("input", { attrs: { id: "new-password", type: "password", autocomplete: "new-password", required: "", "data-test": "new-password" } });
  const role = roleSelect("csr", "new-role");
  const webacd = el("input", { attrs: { type: "checkbox", "data-test": "new-webacd" } });
  const form = el(
    "form",
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            await api.post("/api/admin/accounts", {
              username: username.value.trim(),
              display_name: displayName.value,
              email: email.value.trim(),
              password: password.value,
              role: role.value,
              webacd_agent: webacd.checked,
            });
            say(t("admin.created", { name: username.value.trim() }));
            form.reset();
            await load();
          } catch (error) {
            say(describe(error), true);
          }
        },
      },
    },
    el("h3", null, tn("admin.create")),
    el("label", { attrs: { for: "new-username" } }, tn("admin.username")),
    username,
    el("label", { attrs: { for: "new-display-name" } }, tn("admin.display_name")),
    displayName,
    el("label", { attrs: { for: "new-email" } }, tn("admin.email")),
    email,
    el("label", { attrs: { for: "new-password" } }, tn("admin.password")),
    password,
    el("label", { attrs: { for: "new-role" } }, tn("admin.role")),
    role,
    el("label", { class: "inline" }, webacd, tn("admin.webacd")),
    el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "submit", "data-test": "create-account" } }, tn("admin.create"))),
  );
  await load();
  return el(
    "section",
    { class: "card", attrs: { "data-test": "admin-accounts" } },
    el("h2", null, tn("admin.accounts")),
    el(
      "table",
      null,
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          el("th", null, tn("admin.username")),
          el("th", null, tn("admin.display_name")),
          el("th", null, tn("admin.email")),
          el("th", null, tn("admin.role")),
          el("th", null, tn("admin.webacd")),
          el("th", null, tn("admin.session_mode")),
          el("th", null, tn("admin.status")),
          el("th", null, tn("admin.actions")),
        ),
      ),
      body,
    ),
    status,
    form,
  );
}
