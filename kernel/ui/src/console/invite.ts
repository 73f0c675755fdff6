// Tools → Invite: ask a customer or another CSR to join, by the CSR's own
// mail program (`mailto:`, preferred: it avoids spam filters), by mail the
// server sends, or with a link to paste into an instant message.

import { api } from "../lib/api";
import { el, replace, spacedNumber } from "../lib/dom";
import { describe } from "../lib/errors";
import { languageNames, locale, t, tIn, tn, type Locale } from "../lib/i18n";

export type Invitee = "customer" | "assistant";

/**
 * The invitation's words in `language`: the CSR's own unless they chose
 * another for this invitation. Mail the server sends uses the same words
 * (kernel `session/invite.rs`, checked against these strings).
 */
export function invitationText(
  invitee: Invitee,
  csr: string,
  number: string,
  joinLink: string,
  origin: string,
  language: Locale = locale(),
): { subject: string; body: string } {
  const spaced = spacedNumber(number);
  return invitee === "customer"
    ? {
        subject: tIn(language, "invite.customer.subject"),
        body: tIn(language, "invite.customer.body", { csr, link: joinLink, site: origin, number: spaced }),
      }
    : {
        subject: tIn(language, "invite.assistant.subject"),
        body: tIn(language, "invite.assistant.body", { csr, number: spaced }),
      };
}

/** A `mailto:` link with subject and body; the CSR types the address. */
export function mailtoLink(text: { subject: string; body: string }, to = ""): string {
  return `mailto:${encodeURIComponent(to)}?subject=${encodeURIComponent(text.subject)}&body=${encodeURIComponent(text.body)}`;
}

export interface InviteTarget {
  number: string;
  joinLink: string;
  csrName: string;
}

/** Opens the invite dialog for `target`. */
export function openInviteDialog(target: InviteTarget): void {
  let invitee: Invitee = "customer";
  // The invitation's language: the console's, or the one the CSR picks for
  // this customer; the mailto link and mail from the server both use it.
  const language = el(
    "select",
    { attrs: { id: "invite-language", "data-test": "invite-language" } },
    ...languageNames().map(([code, name]) => el("option", { props: { value: code, selected: code === locale() } }, name)),
  );
  const chosenLanguage = (): Locale => (language.value as Locale) || locale();
  const text = () => invitationText(invitee, target.csrName, target.number, target.joinLink, window.location.origin, chosenLanguage());
  const email = el("input", { attrs: { id: "invite-email", type: "email", "data-test": "invite-email" } });
  const mailto = el("a", { class: "button primary", attrs: { "data-test": "invite-mailto" } }, tn("invite.mail_program"));
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "invite-status" } });
  const refresh = () => mailto.setAttribute("href", mailtoLink(text(), email.value.trim()));
  email.addEventListener("input", refresh);
  language.addEventListener("change", refresh);
  const choice = (value: Invitee, key: "invite.to_customer" | "invite.to_csr") =>
    el(
      "label",
      { class: "inline" },
      el("input", {
        attrs: { type: "radio", name: "invitee", value, "data-test": `invite-${value}` },
        props: { checked: value === invitee },
        on: {
          change: () => {
            invitee = value;
            refresh();
          },
        },
      }),
      tn(key),
    );
  const sendByServer = async () => {
    replace(status);
    try {
      await api.post(`/api/sessions/${encodeURIComponent(target.number)}/invite`, {
        to: email.value.trim(),
        invite: invitee,
        language: chosenLanguage(),
      });
      replace(status, t("invite.sent", { to: email.value.trim() }));
    } catch (error) {
      status.classList.add("error");
      replace(status, describe(error));
    }
  };
  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(target.joinLink);
      replace(status, t("invite.copied"));
    } catch {
      replace(status, t("invite.copy_by_hand"));
    }
  };
  const dialog = el(
    "dialog",
    { class: "invite", attrs: { "data-test": "invite-dialog" } },
    el("h2", null, tn("invite.title")),
    el("p", null, tn("invite.session", { number: spacedNumber(target.number) })),
    el("fieldset", null, choice("customer", "invite.to_customer"), choice("assistant", "invite.to_csr")),
    el("label", { attrs: { for: "invite-email" } }, tn("invite.email")),
    email,
    el("label", { attrs: { for: "invite-language" } }, tn("invite.language")),
    language,
    el(
      "div",
      { class: "toolbar" },
      mailto,
      el("button", { attrs: { type: "button", "data-test": "invite-server" }, on: { click: sendByServer } }, tn("invite.send_server")),
    ),
    el("label", { attrs: { for: "invite-link" } }, tn("invite.link")),
    el(
      "div",
      { class: "toolbar" },
      el("input", { attrs: { id: "invite-link", readonly: "", "data-test": "invite-link" }, props: { value: target.joinLink } }),
      el("button", { attrs: { type: "button", "data-test": "invite-copy" }, on: { click: copyLink } }, tn("invite.copy")),
    ),
    status,
    el("div", { class: "toolbar end" }, el("button", { attrs: { type: "button", "data-test": "invite-close" }, on: { click: () => dialog.close() } }, tn("common.close"))),
  );
  dialog.addEventListener("close", () => dialog.remove());
  refresh();
  document.body.appendChild(dialog);
  dialog.showModal();
}
