// @vitest-environment happy-dom
// The console against a kernel the test plays (a fake WebSocket and
// REST): presence, offers, a session the kernel assigns, a transfer seen
// from the session's view, the menu a `csr-menu` panel adds beside Pass
// control, and a plugin's console messages to its console page.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeSocket, installFakeSocket, panelWindow, quietFrames, seriousViolations, settle } from "../test/dom";
import { ConsoleApp, SIGNED_OUT_CLOSE_CODE } from "./app";
import type { Account } from "./signin";

const account: Account = { id: 1, username: "carl", display_name: "Carl", email: "", site: "default", role: "csr", webacd_agent: true, session_mode: null, disabled: false, must_change_password: false, two_factor: false };

const plugins = [
  {
    id: "webacd",
    name: "WebACD",
    panels: [
      { id: "queues", title: "WebACD", titles: {}, location: "console", entry: "console.html" },
      { id: "transfer", title: "Transfer session", titles: { ja: "セッションの転送" }, location: "csr-menu", entry: "transfer.html" },
      { id: "queue", title: "Queue", titles: {}, location: "customer", entry: "customer.html" },
    ],
  },
  { id: "sysinfo", name: "System information", panels: [{ id: "info", title: "System", titles: {}, location: "csr", entry: "index.html" }] },
];

const session = {
  session: "123456789",
  participant: "p-carl",
  mode: "single",
  host: "p-carl",
  selected_customer: null,
  participants: [
    { id: "p-ann", display_name: "Ann", role: "customer" },
    { id: "p-carl", display_name: "Carl", role: "host" },
    { id: "p-dora", display_name: "Dora", role: "assistant" },
  ],
  streams: [],
};

async function started(signedOut: (notice?: string) => void = () => {}): Promise<{ app: ConsoleApp; socket: FakeSocket; root: HTMLElement }> {
  const root = document.createElement("div");
  document.body.replaceChildren(root);
  const app = new ConsoleApp(account, root, signedOut);
  await app.start();
  await settle();
  // This console's own socket (another test's console may be reconnecting meanwhile).
  const socket = (app.connection as unknown as { socket: unknown }).socket;
  if (!(socket instanceof FakeSocket)) throw new Error("the console opened no socket");
  return { app, socket, root };
}

const q = <E extends Element = HTMLElement>(selector: string) => document.querySelector<E>(selector);

beforeEach(() => {
  quietFrames();
  installFakeSocket();
  localStorage.clear();
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => new Response(JSON.stringify(plugins), { status: 200, headers: { "Content-Type": "application/json" } })),
  );
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("the console", () => {
  it("shows the presence the kernel says and sends the CSR's choice", async () => {
    const { socket } = await started();
    socket.push("presence.changed", { available: false, customers: 0, max_customers: 3 });
    expect(q('[data-test="presence-status"]')?.textContent).toBe("0 of 3 customers");
    const available = q<HTMLInputElement>('[data-test="presence-available"]');
    if (!available) throw new Error("no Available");
    available.checked = true;
    available.dispatchEvent(new Event("change"));
    await settle();
    expect(socket.sent).toContainEqual({ type: "presence.set", body: { available: true } });
    socket.push("presence.changed", { available: true, customers: 0, max_customers: 3 });
    expect(q('[data-test="presence-status"]')?.textContent).toBe("0 of 3 customers");
  });

  it("shows an offer naming the plugin, and answers it", async () => {
    const { socket } = await started();
    FakeSocket.answers["offer.answer"] = () => ({ ok: true, body: { message: "Ann is yours." } });
    socket.push("offer.made", { offer: 5, plugin: "webacd", title: "Waiting customer: Ann", text: "Printer", expires_in_ms: 30000 });
    expect(q('[data-test="offer-plugin"]')?.textContent).toBe("Offered by WebACD");
    q<HTMLButtonElement>('[data-test="offer-accept"]')?.click();
    await settle();
    expect(socket.sent).toContainEqual({ type: "offer.answer", body: { offer: 5, accept: true } });
    expect(q('[data-test="offer"]')).toBeNull();
    expect(q('[data-test="offers-status"]')?.textContent).toBe("You accepted “Waiting customer: Ann”. Ann is yours.");
  });

  it("takes an offer withdrawn away, and all offers when the connection drops", async () => {
    const { socket } = await started();
    socket.push("offer.made", { offer: 5, plugin: "webacd", title: "A", text: "", expires_in_ms: 30000 });
    socket.push("offer.withdrawn", { offer: 5, expired: false, reason: "Another agent accepted." });
    expect(q('[data-test="offer"]')).toBeNull();
    expect(q('[data-test="offers-status"]')?.textContent).toBe("“A” was withdrawn: Another agent accepted.");
    socket.push("offer.made", { offer: 6, plugin: "webacd", title: "B", text: "", expires_in_ms: 30000 });
    socket.push("presence.changed", { available: true, customers: 0, max_customers: 3 });
    socket.close();
    expect(q('[data-test="offer"]')).toBeNull();
    expect(q('[data-test="presence-status"]')?.textContent).toBe("");
  });

  it("goes back to the sign-in saying why when the kernel signs it out, and stays closed", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    try {
      const notices: (string | undefined)[] = [];
      const { socket } = await started((notice) => notices.push(notice));
      localStorage.setItem("tether.console.sessions", JSON.stringify(["123456789"]));
      socket.close(SIGNED_OUT_CLOSE_CODE, "signed out: sign in again");
      expect(notices).toEqual(["You were signed out: your password was changed or reset, or your account was disabled. Sign in again."]);
      expect(localStorage.getItem("tether.console.sessions")).toBeNull();
      vi.advanceTimersByTime(10_000);
      expect(FakeSocket.last).toBe(socket);
    } finally {
      vi.useRealTimers();
    }
  });

  it("connects again after any other close", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"], shouldAdvanceTime: true });
    try {
      const notices: (string | undefined)[] = [];
      const { socket } = await started((notice) => notices.push(notice));
      socket.close(1012, "the session moved to another server; connect again");
      expect(q('[data-test="banner"]')?.textContent).toBe("The connection to the server was lost. Reconnecting…");
      vi.advanceTimersByTime(2_500);
      expect(FakeSocket.last).not.toBe(socket);
      expect(notices).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("opens a session the kernel assigns as after a reload: resumed, shown, said", async () => {
    const { socket } = await started();
    FakeSocket.answers["session.resume"] = () => ({ ok: true, body: session });
    socket.push("session.assigned", { session: "123456789", participant: "p-carl" });
    await settle();
    expect(socket.sent).toContainEqual({ type: "session.resume", body: { session: "123456789" } });
    expect(q('[data-test="session"]')?.dataset.session).toBe("123456789");
    expect(q('[data-test="session-tab"]')?.getAttribute("aria-selected")).toBe("true");
    expect(q('[data-test="session-notice"]')?.textContent).toBe("You are now the host of this session.");
    // A second assignment of the same session refreshes the one view.
    socket.push("session.assigned", { session: "123456789", participant: "p-carl" });
    await settle();
    expect(document.querySelectorAll('[data-test="session-tab"]').length).toBe(1);
  });

  it("says why an assigned session could not be opened", async () => {
    const { socket } = await started();
    FakeSocket.answers["session.resume"] = () => ({ ok: false, code: "not_found", message: "gone", detail: { key: "unknown_session", params: { number: "123456789" } } });
    socket.push("session.assigned", { session: "123456789", participant: "p-carl" });
    await settle();
    expect(q('[data-test="banner"]')?.textContent).toBe("Not found (no support session 123456789 is running)");
    expect(q('[data-test="session"]')).toBeNull();
  });

  it("puts a csr-menu panel's button beside Pass control once the panel asks, and opens it", async () => {
    const { socket } = await started();
    FakeSocket.answers["session.resume"] = () => ({ ok: true, body: session });
    socket.push("session.assigned", { session: "123456789", participant: "p-carl" });
    await settle();
    const button = q<HTMLButtonElement>('[data-test="csr-menu-webacd-transfer"]');
    const dialog = q<HTMLDialogElement>('[data-test="csr-menu-dialog-webacd-transfer"]');
    if (!button || !dialog) throw new Error("no menu");
    expect(button.hidden).toBe(true);
    const frame = dialog.querySelector("iframe");
    expect(frame?.getAttribute("src")).toBe("/plugin-ui/webacd/transfer.html");
    // The panel (its frame loads nothing here) asks for its button.
    const posted = panelWindow(frame as HTMLIFrameElement);
    window.dispatchEvent(new MessageEvent("message", { data: { tether: 1, type: "menu", visible: true }, source: frame?.contentWindow as Window }));
    expect(button.hidden).toBe(false);
    // Beside Pass control.
    expect(button.previousElementSibling?.getAttribute("data-test")).toBe("pass-control");
    button.click();
    expect(dialog.open).toBe(true);
    expect(posted).toContainEqual({ tether: 1, type: "menu_opened" });
    dialog.close();
    expect(document.activeElement).toBe(button);
    expect(await seriousViolations(q("header") ?? document.body)).toEqual([]);
  });

  it("follows a transfer in an open session: the previous host gone, the new one host", async () => {
    const { socket } = await started();
    FakeSocket.answers["session.resume"] = () => ({ ok: true, body: { ...session, participant: "p-dora", host: "p-carl" } });
    socket.push("session.assigned", { session: "123456789", participant: "p-dora" });
    await settle();
    socket.push("session.transferred", { session: "123456789", from: "p-carl", to: { id: "p-eve", display_name: "Eve", role: "host" } });
    const names = [...document.querySelectorAll('[data-test="participant"]')].map((li) => li.querySelector('[data-test="participant-name"]')?.textContent);
    expect(names).toEqual(["Ann", "Dora", "Eve"]);
    expect(q('[data-participant="p-eve"]')?.textContent).toContain("host");
    expect(q('[data-test="session-notice"]')?.textContent).toBe("The session was transferred to Eve.");
    // An event for a session not open here changes nothing.
    socket.push("session.transferred", { session: "999999999", to: { id: "x", display_name: "X", role: "host" } });
    expect(document.querySelectorAll('[data-test="participant"]').length).toBe(3);
  });

  it("takes the CSR who transferred the session out of its participants, saying to whom", async () => {
    const { socket } = await started();
    FakeSocket.answers["session.resume"] = () => ({ ok: true, body: session });
    socket.push("session.assigned", { session: "123456789", participant: "p-carl" });
    await settle();
    expect(q('[data-participant="p-carl"]')?.textContent).toContain("host");
    socket.push("session.ended", {
      session: "123456789",
      reason: "the session was transferred to Eve",
      detail: { key: "transferred_to", params: { name: "Eve" } },
    });
    expect(q('[data-participant="p-carl"]')).toBeNull();
  });

  it("delivers a plugin's console messages to its console page, once opened, shown or not", async () => {
    const { socket } = await started();
    socket.push("plugin.console_message", { plugin: "webacd", message: { before: "opened" } });
    q<HTMLButtonElement>('[data-test="page-webacd-queues"]')?.click();
    const page = q('[data-test="console-page"][data-plugin="webacd"]');
    const frame = page?.querySelector("iframe");
    if (!page || !frame) throw new Error("no page");
    const posted = panelWindow(frame);
    socket.push("plugin.console_message", { plugin: "webacd", message: { waiting: 2 } });
    socket.push("plugin.console_message", { plugin: "sysinfo", message: { not: "for this page" } });
    expect(posted).toEqual([{ tether: 1, type: "message", message: { waiting: 2 } }]);
    // Another view shown: the page stays loaded, hidden, and still hears.
    q<HTMLButtonElement>('[data-test="dashboard"]')?.click();
    expect(page.hidden).toBe(true);
    expect(page.isConnected).toBe(true);
    socket.push("plugin.console_message", { plugin: "webacd", message: { waiting: 1 } });
    expect(posted.at(-1)).toEqual({ tether: 1, type: "message", message: { waiting: 1 } });
    // Shown again: the same frame, not a second one.
    q<HTMLButtonElement>('[data-test="page-webacd-queues"]')?.click();
    expect(page.hidden).toBe(false);
    expect(document.querySelectorAll('[data-test="console-page"]').length).toBe(1);
  });
});
