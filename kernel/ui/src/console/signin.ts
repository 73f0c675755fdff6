// The CSR's sign-in form.

import { api, setCsrfToken } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe, detailText } from "../lib/errors";
import { KernelError } from "../lib/socket";
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
  /** Signs in with a second factor. */
  two_factor: boolean;
  /** The site requires a second factor not set up yet: that comes first. */
  must_set_up_two_factor?: boolean;
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
  // Asked for once the kernel says the account has a second factor.
  const code = el("input", {
    attrs: { id: "signin-code", inputmode: "numeric", autocomplete: "one-time-code", "data-test": "signin-code" },
  });
  const codeField = el("div", { props: { hidden: true } }, el("label", { attrs: { for: "signin-code" } }, tn("signin.code")), code);
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
              ...(codeField.hidden ? {} : { code: code.value }),
            });
            password.value = "";
            code.value = "";
            setCsrfToken(answer.csrf_token);
            onSignedIn(answer.account);
          } catch (failure) {
            if (failure instanceof KernelError && failure.detail?.key === "two_factor_code_needed") {
              // Not a refusal: the next step of signing in.
              codeField.hidden = false;
              code.focus();
              replace(error, detailText(failure.detail));
              return;
            }
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
    codeField,
    el("button", { class: "primary", attrs: { type: "submit", "data-test": "signin-submit" } }, tn("signin.submit")),
    error,
  );
  return form;
}
