// The CSR's own password: changed from the console's header, or chosen
// right after signing in with one a site admin set (nothing else opens
// until then). The kernel ends the CSR's other sign-ins when it changes.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { Account } from "./signin";

/** The shortest password the kernel accepts (`MIN_PASSWORD_CHARS`). */
export const MIN_PASSWORD_CHARS = 10;

/**
 * The form: current password, the new one twice. `onChanged` gets the
 * account as the kernel now has it.
 */
export function passwordForm(onChanged: (account: Account) => void): HTMLFormElement {
  const field = (id: string, autocomplete: string) =>
    el("input", { attrs: { id, type: "password", autocomplete, required: "", "data-test": id } });
  const current = field("password-current", "current-password");
  const fresh = field("password-new", "new-password");
  const repeat = field("password-repeat", "new-password");
  fresh.setAttribute("aria-describedby", "password-rules");
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "password-status" } });
  const say = (text: string, error: boolean) => {
    status.className = error ? "status error" : "status";
    replace(status, text);
  };
  const form = el(
    "form",
    {
      class: "password-form",
      on: {
        submit: async (event) => {
          event.preventDefault();
          if (fresh.value !== repeat.value) {
            say(t("password.mismatch"), true);
            return;
          }
          try {
            const answer = await api.post<{ account: Account }>("/api/auth/password", { current: current.value, new: fresh.value });
            form.reset();
            say(t("password.changed"), false);
            onChanged(answer.account);
          } catch (failure) {
            say(describe(failure), true);
          }
        },
      },
    },
    el("label", { attrs: { for: "password-current" } }, tn("password.current")),
    current,
    el("label", { attrs: { for: "password-new" } }, tn("password.new")),
    fresh,
    el("p", { class: "hint", attrs: { id: "password-rules" } }, tn("password.rules", { min: MIN_PASSWORD_CHARS })),
    el("label", { attrs: { for: "password-repeat" } }, tn("password.repeat")),
    repeat,
    el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "submit", "data-test": "password-submit" } }, tn("password.submit"))),
    status,
  );
  return form;
}

/** The form in a dialog, from the console's header. */
export function openPasswordDialog(): void {
  const dialog = el(
    "dialog",
    { class: "password", attrs: { "data-test": "password-dialog", "aria-labelledby": "password-title" } },
    el("h2", { attrs: { id: "password-title" } }, tn("password.title")),
    passwordForm(() => undefined),
    el(
      "div",
      { class: "toolbar end" },
      el("button", { attrs: { type: "button", "data-test": "password-close" }, on: { click: () => dialog.close() } }, tn("common.close")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
}

/**
 * The card shown instead of the console while the CSR must choose their
 * own password; `onChosen` opens the console, `signOut` leaves.
 */
export function passwordRequiredCard(onChosen: (account: Account) => void, signOut: () => void): HTMLElement {
  return el(
    "section",
    { class: "card signin", attrs: { "data-test": "password-required", "aria-labelledby": "password-required-title" } },
    el("h1", { attrs: { id: "password-required-title" } }, tn("password.required_title")),
    el("p", null, tn("password.required_intro")),
    passwordForm(onChosen),
    el("div", { class: "toolbar end" }, el("button", { attrs: { type: "button", "data-test": "sign-out" }, on: { click: signOut } }, tn("console.sign_out"))),
  );
}
