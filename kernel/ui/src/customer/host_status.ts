// Who helps the customer, as their page says it: a session opened from a
// queue's entry page has no host yet — the customer waits for a support
// representative (the queue's own panel shows their place in line) — and
// a session handed over to another representative says who helps now.
// The page stays connected throughout: a transfer changes only who is in
// the session.

import { el, replace } from "../lib/dom";
import { tn } from "../lib/i18n";
import type { EventBody, Participant } from "../lib/socket";

/** The session's host among `participants`, if it has one. */
export function hostOf(participants: Iterable<Participant>): Participant | null {
  for (const participant of participants) if (participant.role === "host") return participant;
  return null;
}

/**
 * The participants after `session.transferred`: the previous host (if
 * any) is gone, the new one is the host — an assistant who became host
 * in place keeps their entry, now as host.
 */
export function afterTransfer(participants: ReadonlyMap<string, Participant>, body: EventBody<"session.transferred">): Map<string, Participant> {
  const next = new Map(participants);
  if (body.from) next.delete(body.from);
  next.set(body.to.id, { ...body.to, role: "host" });
  return next;
}

/**
 * The line above the customer's page naming who helps them: "Waiting for
 * a support representative" while the session has no host, "You are now
 * being helped by …" after a transfer, nothing otherwise (the CSR who
 * gave the number is known).
 */
export class HostStatus {
  readonly element = el("div", { class: "host-status", attrs: { "data-test": "customer-host-status" }, props: { hidden: true } });

  /** The session's participants are known (welcome) or changed. */
  update(participants: Iterable<Participant>): void {
    if (hostOf(participants)) {
      if (this.element.dataset.state === "waiting") this.clear();
      return;
    }
    if (this.element.dataset.state === "waiting") return;
    this.element.dataset.state = "waiting";
    replace(
      this.element,
      el("p", { class: "host-status-title", attrs: { "data-test": "customer-waiting" } }, tn("customer.waiting")),
      el("p", { class: "hint" }, tn("customer.waiting_help")),
    );
    this.element.hidden = false;
  }

  /** The session was handed to `host`: says so until something else does. */
  transferred(host: Participant): void {
    this.element.dataset.state = "helped";
    replace(this.element, el("p", { class: "host-status-title", attrs: { "data-test": "customer-helped-by" } }, tn("customer.helped_by", { name: host.display_name })));
    this.element.hidden = false;
  }

  private clear(): void {
    delete this.element.dataset.state;
    replace(this.element);
    this.element.hidden = true;
  }
}
