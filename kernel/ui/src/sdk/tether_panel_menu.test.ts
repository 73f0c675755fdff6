// @vitest-environment happy-dom
// The panel SDK's side of a `csr-menu` panel's menu (sdk/panel/tether-panel.js):
// `showMenu`, `closeMenu`, `onMenuOpen`, and Escape in the panel closing
// the menu — run in a document as a panel loads it. Each test file has a
// document of its own: a panel's listeners stay with it, so the panel that
// hears Escape is the only one in its document.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { connected } from "./panel_under_test";

beforeEach(() => vi.restoreAllMocks());

describe("a csr-menu panel's menu, from the panel", () => {
  it("shows and hides its button, and closes its menu", () => {
    const { panel, posted } = connected();
    panel.showMenu(true);
    panel.showMenu(false);
    panel.showMenu();
    panel.closeMenu();
    expect(posted.slice(1)).toEqual([
      { tether: 1, type: "menu", visible: true },
      { tether: 1, type: "menu", visible: false },
      { tether: 1, type: "menu", visible: true },
      { tether: 1, type: "menu_close" },
    ]);
  });

  it("hears its menu open", () => {
    const { panel, fromPage } = connected();
    const opened = vi.fn();
    panel.onMenuOpen(opened);
    fromPage({ type: "menu_opened" });
    expect(opened).toHaveBeenCalledTimes(1);
  });

});
