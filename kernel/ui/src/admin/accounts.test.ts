// @vitest-environment happy-dom
// The admin page's accounts: each other account's status and actions —
// a password reset, disabling and enabling, deleting after a second click.
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n";
import type { Account } from "../console/signin";
import { seriousViolations, settle } from "../test/dom";
import { accountsSection } from "./accounts";

const account = (id: number, username: string, changes: Partial<Account> = {}): Account => ({
  id,
  username,
  display_name: username,
  email: "",
  site: "default",
  role: "csr",
  webacd_agent: false,
  session_mode: null,
  disabled: false,
  must_change_password: false,
  two_factor: false,
  ...changes,
});

const lee = account(1, "lee", { role: "admin" });

/** The kernel as the page sees it: the list, and each change recorded. */
function kernel(accounts: Account[]) {
  const calls: { method: string; url: string; body: unknown }[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? "GET";
      if (method !== "GET") calls.push({ method, url, body: init.body ? JSON.parse(String(init.body)) : undefined });
      return new Response(JSON.stringify(method === "GET" ? accounts : {}), { status: 200, headers: { "Content-Type": "application/json" } });
    }),
  );
  return calls;
}

const row = (section: HTMLElement, username: string) => {
  const found = section.querySelector<HTMLElement>(`[data-test="account-row"][data-username="${username}"]`);
  if (!found) throw new Error(`no row for ${username}`);
  return found;
};
const button = (where: HTMLElement, test: string) => {
  const found = where.querySelector<HTMLButtonElement>(`[data-test="${test}"]`);
  if (!found) throw new Error(`no ${test}`);
  return found;
};

afterEach(() => {
  vi.unstubAllGlobals();
  setLocale("en");
});

describe("the accounts of the site", () => {
  it("shows each account's status; the admin's own has no actions", async () => {
    kernel([lee, account(2, "anna", { disabled: true }), account(3, "cara", { must_change_password: true }), account(4, "dora")]);
    const section = await accountsSection(lee);
    document.body.replaceChildren(section);
    const status = (username: string) => row(section, username).querySelector('[data-test="account-status"]')?.textContent;
    expect([status("anna"), status("cara"), status("dora")]).toEqual(["Disabled", "Must choose a new password", "Active"]);
    expect(row(section, "lee").querySelector("button")).toBeNull();
    expect(button(row(section, "anna"), "enable-account").textContent).toBe("Enable (anna)");
    expect(button(row(section, "dora"), "disable-account").querySelector(".visually-hidden")?.textContent).toBe(" (dora)");
    expect(await seriousViolations()).toEqual([]);
  });

  it("disables, resets a password, and deletes only on the second click", async () => {
    const calls = kernel([lee, account(2, "anna")]);
    const section = await accountsSection(lee);
    document.body.replaceChildren(section);

    button(row(section, "anna"), "disable-account").click();
    await settle();
    expect(calls).toEqual([{ method: "PUT", url: "/api/admin/accounts/anna/disabled", body: { disabled: true } }]);
    expect(section.querySelector('[data-test="accounts-status"]')?.textContent).toBe("anna is disabled, signed out, and out of their sessions.");

    button(row(section, "anna"), "reset-password").click();
    const input = row(section, "anna").querySelector<HTMLInputElement>('[data-test="reset-password-input"]');
    if (!input) throw new Error("no temporary password field");
    input.value = "temporary pass 4711";
    input.form?.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(calls[1]).toEqual({ method: "POST", url: "/api/admin/accounts/anna/password", body: { password: "temporary pass 4711" } });

    const remove = button(row(section, "anna"), "delete-account");
    remove.click();
    await settle();
    expect(calls).toHaveLength(2);
    expect(remove.textContent).toBe("Delete anna for good?");
    remove.click();
    await settle();
    expect(calls[2]).toEqual({ method: "DELETE", url: "/api/admin/accounts/anna", body: undefined });
    expect(section.querySelector('[data-test="accounts-status"]')?.textContent).toBe("Account anna deleted. Its session reports keep the name.");
  });

  it("speaks the admin's language", async () => {
    setLocale("fr");
    kernel([lee, account(2, "anna", { disabled: true })]);
    const section = await accountsSection(lee);
    expect(button(row(section, "anna"), "enable-account").textContent).toBe("Activer (anna)");
    expect(row(section, "anna").querySelector('[data-test="account-status"]')?.textContent).toBe("Désactivé");
  });
});
