// @vitest-environment happy-dom
// The panel SDK passes an Escape pressed in a `csr-menu` panel on to the
// page (a key pressed in a frame never reaches the page around it), which
// closes the menu. One panel in this file's document: its listeners stay
// with the document.
import { describe, expect, it } from "vitest";
import { connected } from "./panel_under_test";

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
