// The chat of a session, for the console and the customer page. Names and
// messages are the participants' own text: shown as text, never markup.

import { el, replace } from "./dom";
import { describe, detailOr } from "./errors";
import { tAttr, tn } from "./i18n";

export interface ChatMessage {
  from: string;
  display_name: string;
  text: string;
  at: string;
  /** A line the kernel wrote itself, to say in the reader's language. */
  detail?: unknown;
}

/** Chat messages are limited to this many characters by the kernel. */
export const MAX_CHAT_CHARS = 4000;

export class ChatBox {
  readonly element: HTMLElement;
  private readonly list: HTMLOListElement;
  private readonly input: HTMLTextAreaElement;
  private readonly error: HTMLElement;

  constructor(
    private readonly self: () => string,
    private readonly send: (text: string) => Promise<unknown>,
  ) {
    this.list = el("ol", { class: "chat-messages", attrs: { "data-test": "chat-messages", "aria-live": "polite" } });
    this.input = tAttr(
      el("textarea", { attrs: { rows: "2", maxlength: String(MAX_CHAT_CHARS), "data-test": "chat-input" } }),
      "placeholder",
      "chat.placeholder",
    );
    this.error = el("p", { class: "error", attrs: { role: "alert" } });
    const form = el(
      "form",
      { class: "chat-form", on: { submit: (event) => this.submit(event) } },
      this.input,
      el("button", { attrs: { type: "submit", "data-test": "chat-send" } }, tn("chat.send")),
    );
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    this.element = el("section", { class: "chat" }, el("h3", null, tn("chat.title")), this.list, form, this.error);
  }

  add(message: ChatMessage): void {
    const time = new Date(message.at);
    const mine = message.from === this.self();
    this.list.appendChild(
      el(
        "li",
        { class: mine ? "mine" : "" },
        el("span", { class: "chat-time" }, Number.isNaN(time.getTime()) ? "" : time.toLocaleTimeString()),
        el("span", { class: "chat-name", attrs: { "data-test": "chat-name" } }, message.display_name),
        el("span", { class: "chat-text", attrs: { "data-test": "chat-text" } }, detailOr(message.detail, message.text)),
      ),
    );
    this.list.scrollTop = this.list.scrollHeight;
  }

  /**
   * A line of the page's own, without a sender (who helps the customer
   * now): said like the others, in the chat's live region.
   */
  note(text: Text | string): void {
    this.list.appendChild(
      el(
        "li",
        { class: "note", attrs: { "data-test": "chat-note" } },
        el("span", { class: "chat-time" }, new Date().toLocaleTimeString()),
        el("span", { class: "chat-text" }, text),
      ),
    );
    this.list.scrollTop = this.list.scrollHeight;
  }

  private async submit(event: Event): Promise<void> {
    event.preventDefault();
    const text = this.input.value;
    if (!text.trim()) return;
    replace(this.error);
    try {
      await this.send(text);
      this.input.value = "";
    } catch (error) {
      // The kernel's refusal (a message too long, the session over) in
      // the reader's language.
      replace(this.error, describe(error));
    }
  }
}
