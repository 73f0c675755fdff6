// Offers to the CSR outside sessions (`offer.made`): a plugin — WebACD —
// offers a waiting customer or a transferred session. Each is shown as an
// alert dialog (it needs a decision, so focus goes to it, and back where
// it was when the last one is gone) with the plugin's title and text,
// which plugin offers it, the time left, and Accept / Decline
// (`offer.answer`). The reply — the plugin's — or the refusal (another
// CSR was quicker) is said; `offer.withdrawn` takes an offer away saying
// why (not answered in time, or the plugin's reason).

import { el, replace, spacedNumber } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tAttr, tn } from "../lib/i18n";
import type { EventBody } from "../lib/socket";

export type OfferMade = EventBody<"offer.made">;
export type OfferWithdrawn = EventBody<"offer.withdrawn">;

/** Whole seconds left until `deadline` (ms since the epoch), never below 0. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** What a plugin's reply says in words, where it says anything: a string, or an object's `message`. */
export function replyText(reply: unknown): string {
  if (typeof reply === "string") return reply.trim();
  if (typeof reply === "object" && reply !== null) {
    const message = (reply as { message?: unknown }).message;
    if (typeof message === "string") return message.trim();
  }
  return "";
}

/**
 * A refusal of an answer in words. The offering plugin's own refusal
 * ("Another agent has already taken this customer.") comes without a
 * detail and is said as it is; the kernel's (the offer is gone) in the
 * console's language.
 */
export function refusalText(error: unknown): string {
  const { code, message, detail } = (error ?? {}) as { code?: unknown; message?: unknown; detail?: unknown };
  const plugins = code === "forbidden" || code === "plugin_error" || code === "conflict" || code === "not_found";
  if (plugins && detail === undefined && typeof message === "string" && message.trim()) return message.trim();
  return describe(error);
}

/** Why an offer went, in the console's language. */
export function withdrawnText(title: string, body: OfferWithdrawn): string {
  if (body.expired) return t("offer.expired", { title });
  const reason = body.reason.trim();
  return reason ? t("offer.withdrawn_reason", { title, reason }) : t("offer.withdrawn", { title });
}

export interface OfferBoardOptions {
  /** Answers an offer (`offer.answer`); resolves with the plugin's reply. */
  answer(offer: number, accept: boolean): Promise<unknown>;
  /** A plugin's name, for "From …" (its id where the console does not know it). */
  pluginName(plugin: string): string;
}

interface Shown {
  body: OfferMade;
  card: HTMLElement;
  countdown: HTMLElement;
  deadline: number;
  /** Answered (or answering): the countdown stops, the kernel sends no withdrawal. */
  answered: boolean;
}

let offerIds = 0;

export class OfferBoard {
  /** A landmark of its own, so the offers are found from anywhere in the console. */
  readonly element: HTMLElement;
  private readonly list = el("div", { class: "offer-list" });
  /** What happened to the last offer answered or withdrawn: said politely. */
  private readonly status = el("p", { class: "offer-status", attrs: { role: "status", "data-test": "offers-status" } });
  private readonly shown = new Map<number, Shown>();
  private ticking: ReturnType<typeof setInterval> | undefined;
  /** Where focus was before an offer took it, to give it back after. */
  private focusBefore: HTMLElement | null = null;

  constructor(private readonly options: OfferBoardOptions) {
    this.element = tAttr(el("section", { class: "offers", attrs: { "data-test": "offers" } }, this.list, this.status), "aria-label", "offers.label");
  }

  /** The offers shown now, by id (for the console's own checks). */
  get open(): number[] {
    return [...this.shown.keys()];
  }

  /** `offer.made`: shows it and moves focus to it. */
  made(body: OfferMade): void {
    if (this.shown.has(body.offer)) return;
    const countdown = el("p", { class: "offer-countdown", attrs: { role: "timer", "data-test": "offer-countdown" } });
    const offer: Shown = { body, card: el("div"), countdown, deadline: Date.now() + body.expires_in_ms, answered: false };
    offer.card = this.card(offer);
    if (this.shown.size === 0 && document.activeElement instanceof HTMLElement && !this.element.contains(document.activeElement)) {
      this.focusBefore = document.activeElement;
    }
    this.shown.set(body.offer, offer);
    this.list.appendChild(offer.card);
    this.tick();
    this.ticking ??= setInterval(() => this.tick(), 1000);
    offer.card.focus();
  }

  /** `offer.withdrawn`: takes it away, saying why. */
  withdrawn(body: OfferWithdrawn): void {
    const offer = this.shown.get(body.offer);
    if (!offer) return;
    this.remove(offer);
    replace(this.status, withdrawnText(offer.body.title, body));
  }

  /** The console lost its connection: its offers can no longer be answered from here. */
  clear(): void {
    for (const offer of [...this.shown.values()]) this.remove(offer);
  }

  private card(offer: Shown): HTMLElement {
    offerIds += 1;
    const heading = `offer-title-${offerIds}`;
    const text = `offer-text-${offerIds}`;
    const { body } = offer;
    const error = el("p", { class: "error", attrs: { role: "alert", "data-test": "offer-error" } });
    const accept = el("button", { class: "primary", attrs: { type: "button", "data-test": "offer-accept" } }, tn("offer.accept"));
    const decline = el("button", { attrs: { type: "button", "data-test": "offer-decline" } }, tn("offer.decline"));
    const buttons = el("div", { class: "toolbar" }, accept, decline);
    const answer = async (yes: boolean) => {
      if (offer.answered) return;
      offer.answered = true;
      accept.disabled = true;
      decline.disabled = true;
      replace(error);
      try {
        const reply = await this.options.answer(body.offer, yes);
        this.remove(offer);
        const said = t(yes ? "offer.accepted" : "offer.declined", { title: body.title });
        const words = replyText(reply);
        replace(this.status, words ? `${said} ${words}` : said);
      } catch (failure) {
        // Answered once: the kernel takes no second answer, so the
        // buttons go and the refusal stays until dismissed.
        replace(offer.countdown);
        replace(error, refusalText(failure));
        const dismiss = el(
          "button",
          { attrs: { type: "button", "data-test": "offer-dismiss" }, on: { click: () => this.remove(offer) } },
          tn("offer.dismiss"),
        );
        replace(buttons, dismiss);
        dismiss.focus();
      }
    };
    accept.addEventListener("click", () => void answer(true));
    decline.addEventListener("click", () => void answer(false));
    return el(
      "div",
      {
        class: "card offer",
        attrs: { role: "alertdialog", tabindex: "-1", "aria-labelledby": heading, "aria-describedby": text, "data-test": "offer", "data-offer": String(body.offer) },
      },
      el("h2", { attrs: { id: heading, "data-test": "offer-title" } }, body.title),
      el("p", { class: "hint", attrs: { "data-test": "offer-plugin" } }, tn("offer.from", { plugin: this.options.pluginName(body.plugin) })),
      body.session ? el("p", { class: "hint", attrs: { "data-test": "offer-session" } }, tn("offer.session", { number: spacedNumber(body.session) })) : null,
      el("p", { class: "offer-text", attrs: { id: text, "data-test": "offer-text" } }, body.text),
      offer.countdown,
      buttons,
      error,
    );
  }

  private tick(): void {
    const now = Date.now();
    for (const offer of this.shown.values()) {
      if (offer.answered) continue;
      const seconds = secondsLeft(offer.deadline, now);
      replace(offer.countdown, seconds > 0 ? t("offer.seconds_left", { seconds }) : t("offer.time_up"));
    }
  }

  private remove(offer: Shown): void {
    const hadFocus = offer.card.contains(document.activeElement);
    offer.card.remove();
    this.shown.delete(offer.body.offer);
    if (this.shown.size === 0 && this.ticking !== undefined) {
      clearInterval(this.ticking);
      this.ticking = undefined;
    }
    if (hadFocus) {
      const next = this.list.firstElementChild as HTMLElement | null;
      if (next) next.focus();
      else if (this.focusBefore?.isConnected) this.focusBefore.focus();
    }
    if (this.shown.size === 0) this.focusBefore = null;
  }

  /** Language switched: the countdowns follow (the rest does by itself). */
  relabel(): void {
    this.tick();
  }
}
