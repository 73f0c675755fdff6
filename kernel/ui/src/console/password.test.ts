// @vitest-environment happy-dom
// The CSR's own password: the form checks the two new ones agree, sends
// the change, and says the kernel's refusal in the reader's language.
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n";
import { seriousViolations, settle } from "../test/dom";
import { passwordForm, passwordRequiredCard } from "./password";
import type { Account } from "./signin";

const account: Account = {
  id: 1,
  username: "anna",
  display_name: "Anna Berg",
  email: "",
  site: "default",
  role: "csr",
  webacd_agent: false,
  session_mode: null,
  disabled: false,
  must_change_password: false,
  two_factor: false,
};

function fill(form: HTMLElement, current: string, fresh: string, repeat: string): void {
  const set = (test: string, value: string) => {
    const input = form.querySelector<HTMLInputElement>(`[data-test="${test}"]`);
    if (!input) throw new Error(`no ${test}`);
    input.value = value;
  };
  set("password-current", current);
  set("password-new", fresh);
  set("password-repeat", repeat);
}

function submit(form: HTMLFormElement): void {
  form.dispatchEvent(new Event("submit", { cancelable: true }));
}

afterEach(() => {
  vi.unstubAllGlobals();
  setLocale("en");
});

describe("the password form", () => {
  it("refuses two different new passwords without asking the kernel", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const form = passwordForm(() => undefined);
    document.body.replaceChildren(form);
    fill(form, "old one", "a new long passphrase", "a new long passphrase!");
    submit(form);
    await settle();
    expect(fetch).not.toHaveBeenCalled();
    expect(form.querySelector('[data-test="password-status"]')?.textContent).toBe("The two new passwords differ.");
    expect(await seriousViolations()).toEqual([]);
  });

  it("sends the change and hands on the account", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ account }), { status: 200, headers: { "Content-Type": "application/json" } }));
    vi.stubGlobal("fetch", fetch);
    const changed: Account[] = [];
    const form = passwordForm((a) => changed.push(a));
    document.body.replaceChildren(form);
    fill(form, "old one", "a new long passphrase", "a new long passphrase");
    submit(form);
    await settle();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/auth/password");
    expect(JSON.parse(String(init.body))).toEqual({ current: "old one", new: "a new long passphrase" });
    expect(changed).toEqual([account]);
    expect(form.querySelector<HTMLInputElement>('[data-test="password-new"]')?.value).toBe("");
    expect(form.querySelector('[data-test="password-status"]')?.textContent).toBe("Your password was changed. Your other sign-ins were ended.");
  });

  it("says the kernel's refusal in the reader's language", async () => {
    setLocale("fr");
    const refusal = { code: "malformed", error: "password: too common or too easy to guess; choose a longer or less usual one", detail: { key: "password_too_common" } };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(refusal), { status: 400, headers: { "Content-Type": "application/json" } })));
    const changed: Account[] = [];
    const form = passwordForm((a) => changed.push(a));
    document.body.replaceChildren(form);
    fill(form, "old one", "password1234", "password1234");
    submit(form);
    await settle();
    expect(changed).toEqual([]);
    expect(form.querySelector('[data-test="password-status"]')?.textContent).toContain(
      "(mot de passe : trop courant ou trop facile à deviner ; choisissez-en un plus long ou moins habituel)",
    );
  });

  it("stands alone while the CSR must choose their own, with a way out", async () => {
    setLocale("ja");
    const signedOut = vi.fn();
    const card = passwordRequiredCard(() => undefined, signedOut);
    document.body.replaceChildren(card);
    expect(card.querySelector("h1")?.textContent).toBe("自分のパスワードを選んでください");
    card.querySelector<HTMLButtonElement>('[data-test="sign-out"]')?.click();
    expect(signedOut).toHaveBeenCalledOnce();
    expect(await seriousViolations()).toEqual([]);
  });
});
