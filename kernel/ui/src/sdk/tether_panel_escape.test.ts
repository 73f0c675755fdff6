// @vitest-environment happy-dom
// The panel SDK passes an Escape pressed in a `csr-menu` panel on to the
// page (a key pressed in a frame never reaches the page around it), which
// closes the menu. One panel in this file's document: its listeners stay
// with the document.
import { describe, expect, it, vi } from "vitest";
import "../../../../sdk/panel/tether-panel.js";

interface Panel {
  context: { location?: string } | null;
  showMenu(visible?: boolean): void;
  closeMenu(): void;
  onMenuOpen(handler: () => void): void;
}
const TetherPanel = (window as unknown as { TetherPanel: { connect(options?: unknown): Panel } }).TetherPanel;

/** A panel connected in this document; what it posts to the page is collected. */
function connected(): { panel: Panel; posted: Record<string, unknown>[]; fromPage: (message: Record<string, unknown>) => void } {
  document.body.replaceChildren();
  const posted: Record<string, unknown>[] = [];
  vi.spyOn(window.parent, "postMessage").mockImplementation(((message: Record<string, unknown>) => void posted.push(message)) as typeof window.postMessage);
  const panel = TetherPanel.connect({ strings: { en: {} } });
  const fromPage = (message: Record<string, unknown>) =>
    window.dispatchEvent(new MessageEvent("message", { data: { tether: 1, ...message }, source: window.parent }));
  return { panel, posted, fromPage };
}

const escape = () => document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));

describe("Escape in a panel", () => {
  it("closes the menu, in a csr-menu panel only, unless the panel used it", () => {
    const { posted, fromPage } = connected();
    escape();
    // No context yet: nothing.
    expect(posted.slice(1)).toEqual([]);
    fromPage({ type: "context", context: { location: "csr", locale: "en", title: "System" } });
    escape();
    expect(posted.slice(1)).toEqual([]);
    fromPage({ type: "context", context: { location: "csr-menu", locale: "en", title: "Transfer session" } });
    escape();
    expect(posted.slice(1)).toEqual([{ tether: 1, type: "menu_close" }]);
    // A panel that closes something of its own with Escape keeps it.
    const own = (event: KeyboardEvent) => event.preventDefault();
    document.body.addEventListener("keydown", own);
    document.body.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true }));
    document.body.removeEventListener("keydown", own);
    expect(posted.slice(1)).toEqual([{ tether: 1, type: "menu_close" }]);
  });
});
