// @vitest-environment happy-dom
// Who helps the customer, on their page: waiting for a representative
// while the session has no host; who helps after a transfer.
import { afterEach, describe, expect, it } from "vitest";
import { relabel, setLocale } from "../lib/i18n";
import type { Participant } from "../lib/socket";
import { seriousViolations } from "../test/dom";
import { afterTransfer, HostStatus, hostOf } from "./host_status";

const ann: Participant = { id: "p-ann", display_name: "Ann", role: "customer" };
const carl: Participant = { id: "p-carl", display_name: "Carl", role: "host" };
const dora: Participant = { id: "p-dora", display_name: "Dora", role: "assistant" };

afterEach(() => setLocale("en"));

describe("the session's host", () => {
  it("is the participant whose role is host, if any", () => {
    expect(hostOf([ann, carl, dora])).toEqual(carl);
    expect(hostOf([ann])).toBeNull();
    expect(hostOf([])).toBeNull();
  });

  it("after a transfer: the previous host is gone and the new one is host", () => {
    const before = new Map([ann, carl, dora].map((p) => [p.id, p]));
    const fromCarl = afterTransfer(before, { session: "1", from: "p-carl", to: { id: "p-eve", display_name: "Eve", role: "host" } });
    expect([...fromCarl.values()]).toEqual([ann, dora, { id: "p-eve", display_name: "Eve", role: "host" }]);
    // An assistant who takes over stays where they were, now as host.
    const toDora = afterTransfer(before, { session: "1", from: "p-carl", to: { ...dora, role: "host" } });
    expect(hostOf(toDora.values())).toEqual({ ...dora, role: "host" });
    expect(toDora.has("p-carl")).toBe(false);
    // From the queue: nobody left.
    const fromQueue = afterTransfer(new Map([[ann.id, ann]]), { session: "1", to: carl });
    expect([...fromQueue.values()]).toEqual([ann, carl]);
    expect(before.size).toBe(3);
  });
});

describe("the customer's host status", () => {
  it("says the customer waits while there is no host, and goes when one comes", async () => {
    const status = new HostStatus();
    document.body.replaceChildren(Object.assign(document.createElement("main"), {}));
    document.querySelector("main")?.append(Object.assign(document.createElement("h1"), { textContent: "Support session" }), status.element);
    status.update([ann]);
    expect(status.element.hidden).toBe(false);
    expect(status.element.querySelector('[data-test="customer-waiting"]')?.textContent).toBe("Waiting for a support representative");
    expect(await seriousViolations()).toEqual([]);
    status.update([ann, carl]);
    expect(status.element.hidden).toBe(true);
    expect(status.element.textContent).toBe("");
  });

  it("says nothing in a session that has its host", () => {
    const status = new HostStatus();
    status.update([ann, carl]);
    expect(status.element.hidden).toBe(true);
  });

  it("says who helps after a transfer, in the page's language", () => {
    const status = new HostStatus();
    status.update([ann]);
    status.transferred({ id: "p-eve", display_name: "Eve", role: "host" });
    expect(status.element.querySelector('[data-test="customer-helped-by"]')?.textContent).toBe("You are now being helped by Eve.");
    // A host joining later does not take the line away.
    status.update([ann, { id: "p-eve", display_name: "Eve", role: "host" }]);
    expect(status.element.hidden).toBe(false);
    setLocale("ja");
    relabel();
    expect(status.element.textContent).toBe("これからは Eve さんが対応します。");
  });
});
