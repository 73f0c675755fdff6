// @vitest-environment happy-dom
// A `csr-menu` panel's menu beside Pass control: hidden until the panel
// asks for it, opened in a dialog, closed by Escape, its Close button or
// the panel, focus back on the button.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PanelFrame, type PanelContext, type PanelSpec } from "../lib/panels";
import { panelWindow, quietFrames, seriousViolations } from "../test/dom";
import { CsrMenu, menuTestIds } from "./csr_menu";

const transfer: PanelSpec = {
  plugin: "webacd",
  id: "transfer",
  title: "Transfer session",
  titles: { ja: "セッションの転送" },
  location: "csr-menu",
  entry: "transfer.html",
};
const context: PanelContext = {
  session: "123456789",
  customer: { id: "p-ann", display_name: "Ann" },
  role: "host",
  user: { username: "carl", display_name: "Carl" },
  join_link: "https://support.example/join/123456789",
};

function menu() {
  const commands: [string, string, unknown][] = [];
  const made = new CsrMenu(transfer, async (plugin, name, payload) => {
    commands.push([plugin, name, payload]);
    return { ok: true };
  }, context);
  const posted = panelWindow(made.frame.iframe);
  const actions = document.createElement("div");
  actions.append(made.button);
  document.body.replaceChildren(Object.assign(document.createElement("main"), {}), made.dialog);
  document.querySelector("main")?.append(Object.assign(document.createElement("h1"), { textContent: "Session" }), actions);
  return { made, posted, commands };
}

beforeEach(() => quietFrames());
afterEach(() => vi.restoreAllMocks());

describe("a csr-menu panel's menu", () => {
  it("is a button named by the panel's title and ▼, hidden until the panel asks", async () => {
    const { made } = menu();
    const ids = menuTestIds(transfer);
    expect(made.button.dataset.test).toBe(ids.button);
    expect(made.dialog.dataset.test).toBe(ids.dialog);
    expect(made.button.hidden).toBe(true);
    expect(made.button.textContent).toBe("Transfer session ▼");
    expect(made.button.querySelector('[aria-hidden="true"]')?.textContent).toBe("▼");
    expect(made.button.getAttribute("aria-haspopup")).toBe("dialog");
    expect(made.button.getAttribute("aria-expanded")).toBe("false");
    expect(made.button.getAttribute("aria-controls")).toBe(made.dialog.id);
    // Opening a hidden menu does nothing.
    made.open();
    expect(made.isOpen).toBe(false);
    made.frame.receive({ tether: 1, type: "menu", visible: true });
    expect(made.button.hidden).toBe(false);
    expect(await seriousViolations()).toEqual([]);
  });

  it("loads its panel at once, in the closed dialog, with the session's context", () => {
    const { made, posted } = menu();
    expect(made.dialog.contains(made.frame.iframe)).toBe(true);
    expect(made.frame.iframe.getAttribute("src")).toBe("/plugin-ui/webacd/transfer.html");
    made.frame.receive({ tether: 1, type: "ready" });
    expect(posted[0]).toMatchObject({
      type: "context",
      context: { location: "csr-menu", session: "123456789", role: "host", customer: { id: "p-ann" }, user: { username: "carl" }, title: "Transfer session" },
    });
  });

  it("opens in a modal dialog named by the panel's title; the panel hears it and gets focus", async () => {
    const { made, posted } = menu();
    made.frame.receive({ tether: 1, type: "menu", visible: true });
    made.button.click();
    expect(made.isOpen).toBe(true);
    expect(made.button.getAttribute("aria-expanded")).toBe("true");
    expect(document.getElementById(made.dialog.getAttribute("aria-labelledby") ?? "")?.textContent).toBe("Transfer session");
    expect(posted).toContainEqual({ tether: 1, type: "menu_opened" });
    expect(document.activeElement).toBe(made.frame.iframe);
    expect(await seriousViolations()).toEqual([]);
  });

  it("closes by Escape (the dialog's own close), its Close button or the panel, and focus goes back to the button", () => {
    const { made } = menu();
    made.frame.receive({ tether: 1, type: "menu", visible: true });
    for (const close of [
      () => made.dialog.close(),
      () => made.dialog.querySelector<HTMLButtonElement>('[data-test="csr-menu-close"]')?.click(),
      () => made.frame.receive({ tether: 1, type: "menu_close" }),
    ]) {
      made.button.click();
      expect(made.isOpen).toBe(true);
      close();
      expect(made.isOpen).toBe(false);
      expect(made.button.getAttribute("aria-expanded")).toBe("false");
      expect(document.activeElement).toBe(made.button);
    }
  });

  it("hidden again by the panel: the button goes and the open menu closes", () => {
    const { made } = menu();
    made.frame.receive({ tether: 1, type: "menu", visible: true });
    made.button.click();
    made.frame.receive({ tether: 1, type: "menu", visible: false });
    expect(made.button.hidden).toBe(true);
    expect(made.isOpen).toBe(false);
    // Not a yes or a no: ignored.
    made.frame.receive({ tether: 1, type: "menu", visible: "yes" });
    expect(made.button.hidden).toBe(true);
  });

  it("sends the panel's commands in the session like any session panel", async () => {
    const { made, posted, commands } = menu();
    made.frame.receive({ tether: 1, type: "command", id: 3, name: "transfer.agents", payload: { agents: ["dora"], message: "x" } });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(commands).toEqual([["webacd", "transfer.agents", { agents: ["dora"], message: "x" }]]);
    expect(posted).toContainEqual({ tether: 1, type: "result", id: 3, ok: true, value: { ok: true } });
  });

  it("goes with its session's view", () => {
    const { made } = menu();
    made.frame.receive({ tether: 1, type: "menu", visible: true });
    made.button.click();
    made.destroy();
    expect(made.dialog.isConnected).toBe(false);
    expect(made.frame.iframe.isConnected).toBe(false);
  });
});

describe("panels elsewhere", () => {
  it("have no menu: asking for one changes nothing", () => {
    const frame = new PanelFrame({ ...transfer, location: "csr" }, async () => null, context);
    const posted = panelWindow(frame.iframe);
    expect(() => frame.receive({ tether: 1, type: "menu", visible: true })).not.toThrow();
    expect(() => frame.receive({ tether: 1, type: "menu_close" })).not.toThrow();
    expect(posted).toEqual([]);
    frame.destroy();
  });
});
