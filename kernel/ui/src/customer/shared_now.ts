// "Shared now" on the customer's page: what of their computer is shared
// with the support representative at this moment (the streams the kernel
// announces from this customer), each with a Stop button that ends it
// (`stream.stop`). An entry goes when the kernel says the stream closed,
// whoever closed it; a refusal is said in the page's language.

import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tc, tn } from "../lib/i18n";
import type { StreamInfo } from "../lib/streams";
import type { CustomerConnection } from "./connection";

/** A stream's label as shown (a plugin may open one without a title). */
function labelOf(info: Pick<StreamInfo, "label">): string {
  return info.label.trim() ? info.label : t("customer.shared_unnamed");
}

let itemIds = 0;

export class SharedNow {
  private readonly heading = el("h2", { attrs: { id: "shared-now-title", tabindex: "-1" } }, tn("customer.shared_title"));
  private readonly list = el("ul", { class: "shared-list", attrs: { "data-test": "shared-now-list", "aria-labelledby": "shared-now-title" } });
  private readonly empty = el("p", { class: "status", attrs: { "data-test": "shared-now-empty" } }, tn("customer.shared_none"));
  private readonly items = new Map<number, { element: HTMLElement; info: StreamInfo }>();
  readonly element = el(
    "section",
    { class: "card shared-now", attrs: { "data-test": "shared-now", "aria-labelledby": "shared-now-title" } },
    this.heading,
    el("p", { class: "hint" }, tn("customer.shared_help")),
    this.empty,
    this.list,
  );

  /** `announce` says a change in the page's status line (read out by screen readers). */
  constructor(
    private readonly connection: CustomerConnection,
    private readonly announce: (text: string) => void,
  ) {
    this.list.hidden = true;
  }

  /** A stream from this customer opened (or is still open, on reconnecting). */
  opened(info: StreamInfo): void {
    if (this.items.has(info.stream)) return;
    const element = this.item(info);
    this.items.set(info.stream, { element, info });
    this.list.appendChild(element);
    this.update();
    this.announce(t("customer.shared_started", { label: labelOf(info) }));
  }

  /** A stream closed: its entry goes, and focus stays in the list if it was there. */
  closed(stream: number): void {
    const entry = this.items.get(stream);
    if (!entry) return;
    const item = entry.element;
    const hadFocus = item.contains(document.activeElement);
    const neighbour = (item.nextElementSibling ?? item.previousElementSibling) as HTMLElement | null;
    item.remove();
    this.items.delete(stream);
    this.update();
    if (hadFocus) (neighbour?.querySelector("button") ?? this.heading).focus();
    this.announce(t("customer.shared_stopped", { label: labelOf(entry.info) }));
  }

  /** Everything shown is gone (the page left the session). */
  clear(): void {
    this.items.clear();
    replace(this.list);
    this.update();
  }

  private update(): void {
    const any = this.items.size > 0;
    this.list.hidden = !any;
    this.empty.hidden = any;
  }

  private item(info: StreamInfo): HTMLElement {
    itemIds += 1;
    const labelId = `shared-label-${itemIds}`;
    const stopId = `shared-stop-${itemIds}`;
    const error = el("span", { class: "error", attrs: { role: "alert", "data-test": "stop-sharing-error" } });
    // Named "Stop" and what it stops, both in the page's language. Not
    // `disabled` while stopping: a disabled button loses keyboard focus.
    const stop = el(
      "button",
      { class: "danger", attrs: { type: "button", id: stopId, "data-test": "stop-sharing", "aria-labelledby": `${stopId} ${labelId}` } },
      tn("customer.shared_stop"),
    );
    stop.addEventListener("click", async () => {
      if (stop.getAttribute("aria-disabled") === "true") return;
      stop.setAttribute("aria-disabled", "true");
      replace(error);
      try {
        await this.connection.request("stream.stop", { stream: info.stream });
        // The entry goes when `stream.closed` arrives.
      } catch (failure) {
        replace(error, describe(failure));
        stop.removeAttribute("aria-disabled");
      }
    });
    return el(
      "li",
      { attrs: { "data-test": "shared-stream", "data-stream": String(info.stream) } },
      el("span", { class: "shared-label", attrs: { id: labelId, "data-test": "shared-label" } }, tc(() => labelOf(info))),
      " ",
      stop,
      " ",
      error,
    );
  }
}
