// @vitest-environment happy-dom
// The customer page, arriving from a queue's entry page: it enters the
// session it was handed at once, says the customer waits while the session
// has no host, and after the hand-over says who helps — on the same
// connection, nothing reconnects.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FakeSocket, installFakeSocket, quietFrames, seriousViolations, settle } from "../test/dom";
import { handOverPlace, savedPlace } from "./place";

const q = (selector: string) => document.querySelector<HTMLElement>(selector);
const names = () => [...document.querySelectorAll('[data-test="participant"]')].map((li) => li.textContent);
let socket: FakeSocket;
let sockets = 0;

beforeAll(async () => {
  quietFrames();
  installFakeSocket();
  const created = FakeSocket;
  vi.stubGlobal(
    "WebSocket",
    class extends created {
      constructor(url: string | URL) {
        super(url);
        sockets += 1;
      }
    },
  );
  document.body.replaceChildren(Object.assign(document.createElement("div"), { id: "app" }));
  // What the public page left: the place (without a name: it did not know
  // it) and the mark to enter at once.
  handOverPlace({ session: "123456789", participant: "p-ann", token: "secret-token", name: "" });
  await import("./main");
  await settle();
  if (!FakeSocket.last) throw new Error("the page did not connect");
  socket = FakeSocket.last;
});
afterAll(() => vi.unstubAllGlobals());

describe("the customer page after a queue's entry page", () => {
  it("connects at once with the place it was handed", () => {
    expect(socket.url).toContain("/ws/customer?token=secret-token");
    expect(q('[data-test="rejoin-card"]')).toBeNull();
  });

  it("says the customer waits while the session has no host, and learns their name", async () => {
    socket.push("session.welcome", {
      session: "123456789",
      participant: "p-ann",
      participants: [{ id: "p-ann", display_name: "Ann", role: "customer" }],
      panels: [{ plugin: "webacd", id: "queue", title: "Queue", titles: {}, entry: "customer.html" }],
    });
    expect(q('[data-test="customer-waiting"]')?.textContent).toBe("Waiting for a support representative");
    expect(q('[data-test="customer-you"]')?.textContent).toBe("You are Ann");
    expect(savedPlace()?.name).toBe("Ann");
    // The queue's own panel is there to show the place in line.
    expect(q('[data-test="customer-panel"][data-plugin="webacd"]')).not.toBeNull();
    expect(await seriousViolations(q("main") ?? document.body)).toEqual([]);
  });

  it("after the hand-over: says who helps now, in the chat too, lists them, and stays connected", () => {
    socket.push("session.transferred", { session: "123456789", to: { id: "p-carl", display_name: "Carl", role: "host" } });
    expect(q('[data-test="customer-waiting"]')).toBeNull();
    expect(q('[data-test="customer-helped-by"]')?.textContent).toBe("You are now being helped by Carl.");
    expect(q('[data-test="chat-note"]')?.textContent).toContain("You are now being helped by Carl.");
    expect(names()).toEqual(["Ann", "Carl"]);
    // Transferred on to another CSR: the one before is gone.
    socket.push("session.transferred", { session: "123456789", from: "p-carl", to: { id: "p-eve", display_name: "Eve", role: "host" } });
    expect(names()).toEqual(["Ann", "Eve"]);
    expect(q('[data-test="customer-helped-by"]')?.textContent).toBe("You are now being helped by Eve.");
    expect(sockets).toBe(1);
  });

  it("connects again when the connection is lost, and not once the session ended", async () => {
    const { RECONNECT_MS } = await import("./main");
    const notice = () => q('[data-test="customer-notice"]')?.textContent;
    // The session moved to another server: the kernel closed the socket.
    socket.close();
    expect(notice()).toBe("The connection was lost. Reconnecting…");
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS + 50));
    await settle();
    expect(sockets).toBe(2);
    expect(FakeSocket.last?.url).toContain("/ws/customer?token=secret-token");
    expect(notice()).toBe("");
    // Ended: the page says so and does not connect again.
    FakeSocket.last?.push("session.ended", { session: "123456789", reason: "ended by Eve" });
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS + 50));
    await settle();
    expect(sockets).toBe(2);
    expect(q('[data-test="session-ended"]')).not.toBeNull();
  });
});
