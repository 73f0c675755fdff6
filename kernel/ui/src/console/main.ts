// The CSR console: sign in, then the dashboard and session tabs.

import { api, setCsrfToken } from "../lib/api";
import { el, replace } from "../lib/dom";
import { applyDocumentLanguage, languageSwitch, relabel } from "../lib/i18n";
import { ConsoleApp } from "./app";
import { joinCard } from "./front_join";
import { passwordRequiredCard } from "./password";
import { twoFactorRequiredCard } from "./two_factor";
import { signInForm, type Account } from "./signin";

const root = document.getElementById("app") as HTMLElement;

/** A page before the console opens: the language switch, then `cards`. */
function showFront(...cards: HTMLElement[]): void {
  replace(
    root,
    el("header", { class: "top" }, el("span", { class: "spacer" }), languageSwitch(relabel)),
    el("main", { class: "center front" }, ...cards),
  );
}

/** The front page; `notice` says why the CSR is back here. */
function showSignIn(notice?: string): void {
  showFront(signInForm((account) => void open(account), notice), joinCard());
}

async function signOut(): Promise<void> {
  try {
    await api.post("/api/auth/signout");
  } finally {
    showSignIn();
  }
}

/**
 * The console, once the CSR chose their own password and set up the
 * second factor their site requires; each of those first when due.
 */
async function open(account: Account): Promise<void> {
  if (account.must_change_password) {
    showFront(passwordRequiredCard((chosen) => void open(chosen), () => void signOut()));
    return;
  }
  if (account.must_set_up_two_factor) {
    showFront(twoFactorRequiredCard((done) => void open({ ...done, must_set_up_two_factor: false }), () => void signOut()));
    return;
  }
  const app = new ConsoleApp(account, root, showSignIn);
  await app.start();
}

async function boot(): Promise<void> {
  applyDocumentLanguage();
  try {
    const me = await api.get<{ account: Account; csrf_token: string }>("/api/auth/me");
    setCsrfToken(me.csrf_token);
    await open(me.account);
  } catch {
    showSignIn();
  }
}

void boot();
