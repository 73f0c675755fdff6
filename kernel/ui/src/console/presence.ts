// The CSR's presence in the console header: Available or Away (whether
// they take offers — a WebACD agent's waiting customers), set with
// `presence.set`, and how many customers they help of the most the site
// allows, as the kernel says it with `presence.changed` (on connecting and
// on every change). Until the kernel has said it, neither is chosen.

import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { EventBody } from "../lib/socket";

export type Presence = EventBody<"presence.changed">;

/** A `presence.changed` body (or a reply carrying one), if `value` is one. */
export function presenceOf(value: unknown): Presence | null {
  if (typeof value !== "object" || value === null) return null;
  const { available, customers, max_customers } = value as Record<string, unknown>;
  if (typeof available !== "boolean" || typeof customers !== "number" || typeof max_customers !== "number") return null;
  return { available, customers, max_customers };
}

/** "1 of 3 customers", in the console's language (the choice beside it says Available or Away). */
export function presenceSummary(presence: Presence): string {
  return t("presence.summary", { customers: presence.customers, max: presence.max_customers });
}

export class PresenceControl {
  readonly element: HTMLElement;
  private readonly available: HTMLInputElement;
  private readonly away: HTMLInputElement;
  /** Polite: the count of customers changes while the CSR works. */
  private readonly summary = el("span", { class: "presence-summary", attrs: { role: "status", "data-test": "presence-status" } });
  private readonly error = el("span", { class: "presence-error", attrs: { role: "alert", "data-test": "presence-error" } });
  private current: Presence | null = null;

  /** `set` asks the kernel (`presence.set`); it resolves with the reply. */
  constructor(private readonly set: (available: boolean) => Promise<unknown>) {
    this.available = this.radio("presence-available", true);
    this.away = this.radio("presence-away", false);
    this.element = el(
      "fieldset",
      { class: "presence", attrs: { "data-test": "presence" } },
      el("legend", null, tn("presence.label")),
      el("label", { class: "inline" }, this.available, tn("presence.available")),
      el("label", { class: "inline" }, this.away, tn("presence.away")),
      this.summary,
      this.error,
    );
  }

  /** The kernel said the CSR's presence (`presence.changed`). */
  apply(presence: Presence): void {
    this.current = presence;
    this.available.checked = presence.available;
    this.away.checked = !presence.available;
    replace(this.summary, presenceSummary(presence));
  }

  /** The console lost its connection: the presence is not known until it is back. */
  unknown(): void {
    this.current = null;
    this.available.checked = false;
    this.away.checked = false;
    replace(this.summary);
  }

  /** Language switched: the summary follows (the labels do by themselves). */
  relabel(): void {
    if (this.current) replace(this.summary, presenceSummary(this.current));
  }

  private radio(testId: string, available: boolean): HTMLInputElement {
    return el("input", {
      attrs: { type: "radio", name: "presence", id: testId, "data-test": testId },
      on: { change: () => void this.choose(available) },
    });
  }

  private async choose(available: boolean): Promise<void> {
    replace(this.error);
    try {
      const reply = presenceOf(await this.set(available));
      if (reply) this.apply(reply);
    } catch (failure) {
      replace(this.error, t("presence.failed", { reason: describe(failure) }));
      // Back to what the kernel last said.
      if (this.current) this.apply(this.current);
      else this.unknown();
    }
  }
}
