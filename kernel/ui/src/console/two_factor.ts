// Two-factor sign-in in the console: setting it up (a QR code and its key
// for the authenticator app, confirmed by a first code, answered with the
// recovery codes shown once), turning it off with the password, and the
// card that holds a CSR whose site requires it until they set it up.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { Account } from "./signin";

interface Started {
  secret: string;
  otpauth_url: string;
  qr_svg: string;
}

/** The QR code as an image (the kernel's SVG, never put into the page as markup). */
function qrImage(svg: string): HTMLImageElement {
  const image = el("img", { class: "qr", attrs: { alt: t("two_factor.qr_alt"), width: "200", height: "200", "data-test": "two-factor-qr" } });
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  return image;
}

/**
 * Setting it up, in `area`: a button, then the code and key, then the
 * recovery codes; `onDone` gets the account once the CSR read them.
 */
export function setUpTwoFactor(onDone: (account: Account) => void): HTMLElement {
  const area = el("div", { class: "two-factor", attrs: { "data-test": "two-factor-setup" } });
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "two-factor-status" } });
  const fail = (error: unknown) => {
    status.className = "status error";
    replace(status, describe(error));
  };
  const showRecovery = (codes: string[], account: Account) => {
    replace(
      area,
      el("p", null, tn("two_factor.recovery_intro")),
      el("ul", { class: "recovery-codes", attrs: { "data-test": "recovery-codes" } }, ...codes.map((code) => el("li", null, el("code", null, code)))),
      el(
        "div",
        { class: "toolbar" },
        el("button", { class: "primary", attrs: { type: "button", "data-test": "two-factor-done" }, on: { click: () => onDone(account) } }, tn("two_factor.done")),
      ),
    );
  };
  const showCode = (started: Started) => {
    const code = el("input", {
      attrs: { id: "two-factor-code", inputmode: "numeric", autocomplete: "one-time-code", required: "", "data-test": "two-factor-code" },
    });
    const form = el(
      "form",
      {
        on: {
          submit: async (event) => {
            event.preventDefault();
            try {
              const answer = await api.post<{ recovery_codes: string[]; account: Account }>("/api/auth/two-factor/confirm", { code: code.value });
              showRecovery(answer.recovery_codes, answer.account);
            } catch (error) {
              fail(error);
            }
          },
        },
      },
      el("p", null, tn("two_factor.scan")),
      qrImage(started.qr_svg),
      el("p", null, tn("two_factor.key"), ": ", el("code", { attrs: { "data-test": "two-factor-secret" } }, started.secret)),
      el("label", { attrs: { for: "two-factor-code" } }, tn("two_factor.code")),
      code,
      el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "submit", "data-test": "two-factor-confirm" } }, tn("two_factor.confirm"))),
    );
    replace(area, form, status);
    code.focus();
  };
  const start = async () => {
    try {
      showCode(await api.post<Started>("/api/auth/two-factor/start"));
    } catch (error) {
      fail(error);
    }
  };
  replace(
    area,
    el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "button", "data-test": "two-factor-start" }, on: { click: () => void start() } }, tn("two_factor.start"))),
    status,
  );
  return area;
}

/** Turning it off, with the password; `onOff` gets the account as it now is. */
function turnOffForm(onOff: (account: Account) => void): HTMLFormElement {
  const password = el("input", { attrs: { id: "two-factor-password", type: "password", autocomplete: "current-password", required: "", "data-test": "two-factor-password" } });
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "two-factor-status" } });
  return el(
    "form",
    {
      on: {
        submit: async (event) => {
          event.preventDefault();
          try {
            const answer = await api.post<{ account: Account }>("/api/auth/two-factor/remove", { password: password.value });
            onOff(answer.account);
          } catch (error) {
            status.className = "status error";
            replace(status, describe(error));
          }
        },
      },
    },
    el("p", null, tn("two_factor.on")),
    el("label", { attrs: { for: "two-factor-password" } }, tn("two_factor.password")),
    password,
    el("div", { class: "toolbar" }, el("button", { attrs: { type: "submit", "data-test": "two-factor-off" } }, tn("two_factor.turn_off"))),
    status,
  );
}

/** The console header's dialog: set it up, or turn it off. */
export function openTwoFactorDialog(account: Account, changed: (account: Account) => void): void {
  const body = el("div");
  const show = (current: Account) => {
    if (current.two_factor) {
      replace(
        body,
        turnOffForm((after) => {
          changed(after);
          replace(body, el("p", { attrs: { role: "status", "data-test": "two-factor-status" } }, tn("two_factor.turned_off")));
        }),
      );
    } else {
      replace(
        body,
        el("p", null, tn("two_factor.off")),
        setUpTwoFactor((after) => {
          changed(after);
          replace(body, el("p", { attrs: { role: "status", "data-test": "two-factor-status" } }, tn("two_factor.on")));
        }),
      );
    }
  };
  show(account);
  const dialog = el(
    "dialog",
    { class: "two-factor", attrs: { "data-test": "two-factor-dialog", "aria-labelledby": "two-factor-title" } },
    el("h2", { attrs: { id: "two-factor-title" } }, tn("two_factor.title")),
    body,
    el(
      "div",
      { class: "toolbar end" },
      el("button", { attrs: { type: "button", "data-test": "two-factor-close" }, on: { click: () => dialog.close() } }, tn("common.close")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
}

/** The card shown instead of the console until a required second factor is set up. */
export function twoFactorRequiredCard(onDone: (account: Account) => void, signOut: () => void): HTMLElement {
  return el(
    "section",
    { class: "card signin", attrs: { "data-test": "two-factor-required", "aria-labelledby": "two-factor-required-title" } },
    el("h1", { attrs: { id: "two-factor-required-title" } }, tn("two_factor.required_title")),
    el("p", null, tn("two_factor.required_intro")),
    setUpTwoFactor(onDone),
    el("div", { class: "toolbar end" }, el("button", { attrs: { type: "button", "data-test": "sign-out" }, on: { click: signOut } }, tn("console.sign_out"))),
  );
}
