// The CSR's sign-in form.

import { api, setCsrfToken } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { tn } from "../lib/i18n";

export interface Account {
  id: number;
  username: string;
  display_name: string;
  email: string;
  site: string;
  role: string;
  webacd_agent: boolean;
  session_mode: string | null;
  disabled: boolean;
  /** A site admin set the password: the CSR chooses their own first. */
  must_change_password: boolean;
}

/**
 * Shows the form; resolves once the CSR is signed in. `notice` says why
 * they see it again (the kernel signed them out).
 */
export function signInForm(onSignedIn: (account: Account) => void, notice?: string): HTMLElement {
  const username = el("input", { attrs: { id: "signin-user", autocomplete: "username", required: "", "data-test": "signin-user" } });
  const password = el("input", {
    attrs: { id: "signin-password", type: "password", autocomplete: "current-password", required: "", "data-test": "signin-password" },
  });
  const error = el("p", { class: "error", attrs: { role: "alert", "data-test": "signin-error" } }, notice ?? "");
  const form = el(
    "form",
    {
      class: "card signin",
      on: {
        submit: async (event) => {
          event.preventDefault();
          replace(error);
          try {
            const answer = await api.post<{ account: Account; csrf_token: string }>("/api/auth/signin", {
              username: username.value.trim(),
              password: password.value,
            });
            password.value = "";
            setCsrfToken(answer.csrf_token);
            onSignedIn(answer.account);
          } catch (failure) {
            replace(error, describe(failure));
          }
        },
      },
    },
    el("h1", null, tn("signin.title")),
    el("label", { attrs: { for: "signin-user" } }, tn("signin.username")),
    username,
    el("label", { attrs: { for: "signin-password" } }, tn("signin.password")),
    password,
    el("button", { class: "primary", attrs: { type: "submit", "data-test": "signin-submit" } }, tn("signin.submit")),
    error,
  );
  return form;
}
