// A panel of the SDK (sdk/panel/tether-panel.js) connected in the test's
// document, as a panel's page loads it: what it posts to the page is
// collected, and the page's messages can be sent to it. For the SDK's menu
// tests; each test file has a document of its own.
import { vi } from "vitest";
import "../../../../sdk/panel/tether-panel.js";

export interface Panel {
  context: { location?: string } | null;
  showMenu(visible?: boolean): void;
  closeMenu(): void;
  onMenuOpen(handler: () => void): void;
}
const TetherPanel = (window as unknown as { TetherPanel: { connect(options?: unknown): Panel } }).TetherPanel;

/** A panel connected in this document; what it posts to the page is collected. */
export function connected(): { panel: Panel; posted: Record<string, unknown>[]; fromPage: (message: Record<string, unknown>) => void } {
  document.body.replaceChildren();
  const posted: Record<string, unknown>[] = [];
  vi.spyOn(window.parent, "postMessage").mockImplementation(((message: Record<string, unknown>) => void posted.push(message)) as typeof window.postMessage);
  const panel = TetherPanel.connect({ strings: { en: {} } });
  const fromPage = (message: Record<string, unknown>) =>
    window.dispatchEvent(new MessageEvent("message", { data: { tether: 1, ...message }, source: window.parent }));
  return { panel, posted, fromPage };
}
