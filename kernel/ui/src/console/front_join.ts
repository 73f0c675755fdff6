// "Join a session" on the front page, beside the CSR sign-in: the
// invitation tells customers to choose Join on the support site.

import { el, replace } from "../lib/dom";
import { t, tn } from "../lib/i18n";

/** The number as typed ("123 456 789", "123-456-789"), if it is one. */
export function sessionNumber(typed: string): string | null {
  const digits = typed.replace(/[\s-]/g, "");
  return /^[1-9][0-9]{8}$/.test(digits) ? digits : null;
}

/** The form; a valid number opens the customer page for that session. */
export function joinCard(open: (path: string) => void = (path) => window.location.assign(path)): HTMLElement {
  const number = el("input", {
    attrs: {
      id: "front-join-number",
      inputmode: "numeric",
      autocomplete: "off",
      required: "",
      placeholder: t("join.number_placeholder"),
      "data-test": "front-join-number",
    },
  });
  const error = el("p", { class: "error", attrs: { role: "alert", "data-test": "front-join-error" } });
  return el(
    "form",
    {
      class: "card signin",
      attrs: { "data-test": "front-join" },
      on: {
        submit: (event) => {
          event.preventDefault();
          const digits = sessionNumber(number.value);
          if (digits === null) {
            replace(error, t("join.number_invalid"));
            number.focus();
            return;
          }
          open(`/join/${digits}`);
        },
      },
    },
    el("h2", null, tn("join.title")),
    el("p", { class: "hint" }, tn("join.front_help")),
    el("label", { attrs: { for: "front-join-number" } }, tn("join.number")),
    number,
    el("button", { class: "primary", attrs: { type: "submit", "data-test": "front-join-submit" } }, tn("join.submit")),
    error,
  );
}
