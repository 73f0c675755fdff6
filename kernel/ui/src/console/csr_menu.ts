// A `csr-menu` panel in a session (WebACD's "Transfer session"): a menu
// button beside Pass control, named by the panel's title with "▼", that
// opens the panel in a dialog. The panel is loaded with the session's view
// (inside the closed dialog) and decides itself whether its button shows
// — `panel.showMenu(visible)`, hidden until it says so — since only it
// knows who may use it; `panel.closeMenu()` closes the dialog (after a
// transfer was asked for). Escape closes it too, from the page or from
// inside the panel (the SDK passes Escape on), and focus goes back to the
// button.

import { el } from "../lib/dom";
import { tc, tn } from "../lib/i18n";
import { PanelFrame, panelTitle, type CommandSender, type PanelContext, type PanelServices, type PanelSpec, type PanelStreams } from "../lib/panels";

let menuIds = 0;

/** The `data-test` names of a menu's parts, by its plugin and panel id. */
export function menuTestIds(spec: Pick<PanelSpec, "plugin" | "id">): { button: string; dialog: string } {
  return { button: `csr-menu-${spec.plugin}-${spec.id}`, dialog: `csr-menu-dialog-${spec.plugin}-${spec.id}` };
}

export class CsrMenu {
  readonly frame: PanelFrame;
  /** Goes among the session's actions; hidden until the panel shows it. */
  readonly button: HTMLButtonElement;
  /** Stays where it is put (moving it would reload the panel). */
  readonly dialog: HTMLDialogElement;
  private visible = false;

  constructor(spec: PanelSpec, send: CommandSender, context: PanelContext, streams?: PanelStreams, services: PanelServices = {}) {
    menuIds += 1;
    const dialogId = `csr-menu-${menuIds}`;
    const headingId = `csr-menu-title-${menuIds}`;
    const ids = menuTestIds(spec);
    this.frame = new PanelFrame(spec, send, context, streams, {
      ...services,
      menu: { setVisible: (visible) => this.setVisible(visible), close: () => this.close() },
    });
    this.button = el(
      "button",
      {
        class: "menu-button",
        attrs: { type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": dialogId, "data-test": ids.button },
        props: { hidden: true },
        on: { click: () => this.open() },
      },
      tc(() => panelTitle(spec)),
      " ",
      el("span", { attrs: { "aria-hidden": "true" } }, "▼"),
    );
    const close = el("button", { class: "dialog-close", attrs: { type: "button", "data-test": "csr-menu-close" }, on: { click: () => this.close() } }, tn("common.close"));
    this.dialog = el(
      "dialog",
      { class: "csr-menu-dialog", attrs: { id: dialogId, "aria-labelledby": headingId, "data-test": ids.dialog } },
      el("div", { class: "dialog-head" }, el("h2", { attrs: { id: headingId } }, tc(() => panelTitle(spec))), close),
      this.frame.iframe,
    );
    // Escape (the dialog's `cancel`) and `close()` both end here.
    this.dialog.addEventListener("close", () => this.closed());
  }

  /** Whether the panel asked for its button (and the session lets it show). */
  get isVisible(): boolean {
    return this.visible;
  }

  get isOpen(): boolean {
    return this.dialog.open;
  }

  /** `panel.showMenu(visible)`; hiding the button closes the menu too. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    this.button.hidden = !visible;
    if (!visible) this.close();
  }

  open(): void {
    if (!this.visible || this.dialog.open || !this.dialog.isConnected) return;
    this.dialog.showModal();
    this.button.setAttribute("aria-expanded", "true");
    // Into the panel: it may put focus on what comes first in it.
    this.frame.iframe.focus();
    this.frame.menuOpened();
  }

  close(): void {
    if (this.dialog.open) this.dialog.close();
  }

  private closed(): void {
    this.button.setAttribute("aria-expanded", "false");
    if (this.button.isConnected && !this.button.hidden) this.button.focus();
  }

  /** Language switched: the frame's name and the panel follow (the texts do by themselves). */
  relabel(): void {
    this.frame.relabel();
  }

  destroy(): void {
    this.close();
    this.frame.destroy();
    this.dialog.remove();
  }
}
