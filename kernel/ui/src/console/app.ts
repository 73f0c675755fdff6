// The signed-in console: header (Tools, presence, language, admin, sign
// out), the offers plugins make to the CSR, the dashboard (start or assist
// a session), one tab per session — a session the kernel assigns this CSR
// (an accepted offer) opens like one resumed — and the pages plugins add
// (location `console`), which stay loaded once opened so their plugin's
// `plugin.console_message`s reach them.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { languageSwitch, relabel, t, tAttr, tn } from "../lib/i18n";
import { bridgeCounters, PanelFrame, panelsAt, panelTitle, sitePlugins, type PanelSpec, type SitePlugin } from "../lib/panels";
import type { ServerEvent } from "../lib/protocol.gen";
import { Connection, type EventBody } from "../lib/socket";
import { incomingStream, StreamTable } from "../lib/streams";
import { historyView } from "./history";
import { openInviteDialog } from "./invite";
import { openPasswordDialog } from "./password";
import { openTwoFactorDialog } from "./two_factor";
import { OfferBoard } from "./offers";
import { sendPluginCommand } from "./plugin_commands";
import { PresenceControl, presenceOf } from "./presence";
import { SessionView, type SessionHost } from "./session_view";
import type { Account } from "./signin";
import type { ConsoleConnection, SessionInfo } from "./types";

/** Sessions this browser had open, resumed after a reload. */
const OPEN_SESSIONS_KEY = "tether.console.sessions";
const RECONNECT_MS = 2000;
/** The close code of a console the kernel signed out (`SIGNED_OUT_CLOSE_CODE` in the protocol crate). */
export const SIGNED_OUT_CLOSE_CODE = 4401;

/** Events about one session: they carry its number, and go to its view. */
type SessionEvent = Extract<ServerEvent, { body: { session: string } }>["type"];

function remembered(): string[] {
  try {
    const value = JSON.parse(localStorage.getItem(OPEN_SESSIONS_KEY) ?? "[]");
    return Array.isArray(value) ? value.filter((n) => typeof n === "string") : [];
  } catch {
    return [];
  }
}

export class ConsoleApp implements SessionHost {
  readonly connection: ConsoleConnection = new Connection("/ws/console");
  panels: PanelSpec[] = [];
  menuPanels: PanelSpec[] = [];
  /** The plugins enabled on the CSR's site (their names say who offers what). */
  private plugins: SitePlugin[] = [];
  readonly streams = new StreamTable();
  readonly csrName: string;
  readonly user: { username: string; display_name: string };
  private views = new Map<string, SessionView>();
  private tabs = new Map<string, HTMLButtonElement>();
  private active: string | null = null;
  /** The pending reconnection attempt, if one is scheduled. */
  private reconnecting: ReturnType<typeof setTimeout> | undefined;
  /** Signed out: the console's socket stays closed. */
  private left = false;
  private readonly tabBar = tAttr(el("div", { class: "tabs session-tabs", attrs: { role: "tablist", "data-test": "session-tabs" } }), "aria-label", "console.session_tabs");
  private readonly content = el("main", { class: "console-content" });
  /** The dashboard or the session shown (replaced as the CSR moves between them). */
  private readonly viewArea = el("div", { class: "view-area" });
  /** The plugin pages opened so far, each kept loaded (hidden while another view is shown). */
  private readonly pageArea = el("div", { class: "page-area" });
  private readonly banner = el("p", { class: "banner", attrs: { role: "alert", "data-test": "banner" }, props: { hidden: true } });
  private readonly dashboard: HTMLElement;
  /** Pages plugins add to the console's navigation (location `console`). */
  private pagePanels: PanelSpec[] = [];
  private readonly pageLinks = el("span", { class: "page-links" });
  /** The plugin pages opened so far, by `plugin/panel`. */
  private readonly pages = new Map<string, { frame: PanelFrame; section: HTMLElement; title: HTMLElement }>();
  private readonly presence = new PresenceControl((available) => this.connection.request("presence.set", { available }));
  private readonly offers = new OfferBoard({
    answer: (offer, accept) => this.connection.request("offer.answer", { offer, accept }),
    pluginName: (plugin) => this.plugins.find((p) => p.id === plugin)?.name || plugin,
  });

  constructor(
    private account: Account,
    private readonly root: HTMLElement,
    private readonly signedOut: (notice?: string) => void,
  ) {
    this.csrName = account.display_name;
    this.user = { username: account.username, display_name: account.display_name };
    this.dashboard = this.buildDashboard();
  }

  async start(): Promise<void> {
    // The tab list inside a navigation landmark: a `nav` that is itself the
    // tab list would stop being a landmark.
    const sessions = tAttr(el("nav", null, this.tabBar), "aria-label", "console.session_tabs");
    replace(this.content, this.viewArea, this.pageArea);
    replace(this.root, this.header(), this.banner, this.offers.element, sessions, this.content);
    this.showDashboard();
    try {
      this.plugins = await sitePlugins(this.account.site);
      this.panels = panelsAt(this.plugins, "csr");
      this.menuPanels = panelsAt(this.plugins, "csr-menu");
      this.pagePanels = panelsAt(this.plugins, "console");
      this.renderPageLinks();
    } catch (error) {
      this.showBanner(describe(error));
    }
    this.listen();
    await this.connect();
  }

  /**
   * One attempt later, however many ways the failure was reported (a
   * failed open also closes the socket): attempts must not multiply while
   * the server is away.
   */
  private reconnectLater(): void {
    if (this.left) return;
    this.showBanner(t("console.reconnecting"));
    if (this.reconnecting !== undefined) return;
    this.reconnecting = setTimeout(() => {
      this.reconnecting = undefined;
      void this.connect();
    }, RECONNECT_MS);
  }

  private async connect(): Promise<void> {
    try {
      await this.connection.open();
    } catch {
      this.reconnectLater();
      return;
    }
    this.banner.hidden = true;
    // Sessions open before a reload or a dropped connection: come back to
    // them (the kernel kept them for the grace period).
    const numbers = new Set([...remembered(), ...[...this.views.values()].filter((v) => !v.isEnded).map((v) => v.number)]);
    for (const number of numbers) {
      try {
        const info = await this.connection.request("session.resume", { session: number });
        const existing = this.views.get(number);
        if (existing) await existing.refresh();
        else this.addView(info);
      } catch {
        this.forget(number);
      }
    }
  }

  private listen(): void {
    this.connection.onClose((code) => {
      if (this.left) return;
      // Offers cannot be answered from a closed console (the kernel counts
      // it as not answering); the presence is said again on reconnecting.
      this.offers.clear();
      this.presence.unknown();
      if (code === SIGNED_OUT_CLOSE_CODE) {
        // The sign-in ended (password changed elsewhere or reset, account
        // disabled): connecting again would only be refused.
        this.leave(t("console.signed_out"));
        return;
      }
      this.reconnectLater();
    });
    this.connection.on("presence.changed", (body) => {
      const presence = presenceOf(body);
      if (presence) this.presence.apply(presence);
    });
    this.connection.on("offer.made", (body) => this.offers.made(body));
    this.connection.on("offer.withdrawn", (body) => this.offers.withdrawn(body));
    this.connection.on("session.assigned", (body) => void this.takeAssigned(body.session));
    this.connection.on("plugin.console_message", (body) => this.deliverToPages(body.plugin, body.message));
    const route = <K extends SessionEvent>(type: K, handle: (view: SessionView, body: EventBody<K>) => void) =>
      this.connection.on(type, (body) => {
        const view = this.views.get(body.session);
        if (view) handle(view, body);
      });
    route("participant.joined", (v, b) => v.onJoined(b.participant));
    route("participant.left", (v, b) => v.onLeft(b.participant));
    route("participant.away", (v, b) => v.onAway(b.participant, b.rejoin));
    route("participant.rejoined", (v, b) => v.onRejoined(b.participant));
    route("chat.message", (v, b) => v.onChat(b));
    route("consent.waiting", (v, b) => v.onConsentWaiting(b));
    route("consent.answered", (v, b) => v.onConsentAnswered(b));
    route("control.passed", (v, b) => v.onControlPassed(b));
    route("customer.selected", (v, b) => v.onCustomerSelected(b));
    route("activities.ended", (v) => v.onActivitiesEnded());
    route("session.host_away", (v, b) => v.onHostAway(b));
    route("plugin.message", (v, b) => v.onPluginMessage(b));
    route("session.transferred", (v, b) => v.onTransferred(b));
    route("stream.opened", (v, b) => v.onStreamOpened(b));
    route("stream.closed", (v, b) => v.onStreamClosed(b));
    route("stream.control", (v, b) => v.onStreamControl(b));
    this.connection.onBinary((frame) => this.routeFrame(frame));
    route("session.ended", (v, b) => {
      v.onEnded(b);
      this.forget(v.number);
    });
  }

  /**
   * A stream frame from the kernel goes to the panels of the plugin that
   * opened the stream, in that stream's session (shown or not).
   */
  private routeFrame(frame: ArrayBuffer): void {
    const stream = incomingStream(frame);
    const info = stream === null ? undefined : this.streams.get(stream);
    const view = info && this.views.get(info.session);
    if (!info || !view) {
      bridgeCounters.framesUnrouted += 1;
      return;
    }
    view.deliverFrame(info.plugin, frame);
  }

  /**
   * The kernel made this CSR the host of `number` (they accepted an offer):
   * the console attaches to it as after a reload (`session.resume`) and
   * shows it.
   */
  private async takeAssigned(number: string): Promise<void> {
    try {
      const info = await this.connection.request("session.resume", { session: number });
      const existing = this.views.get(number);
      if (existing && !existing.isEnded) {
        await existing.refresh();
        this.show(number);
        existing.onAssigned();
        return;
      }
      if (existing) this.closed(number);
      this.addView(info);
      this.views.get(number)?.onAssigned();
    } catch (failure) {
      this.showBanner(describe(failure));
    }
  }

  /** A plugin's `plugin.console_message`: to its console pages (those opened). */
  private deliverToPages(plugin: string, message: unknown): void {
    for (const page of this.pages.values()) {
      if (page.frame.spec.plugin === plugin) page.frame.deliver(message);
    }
  }

  private showBanner(text: string): void {
    replace(this.banner, text);
    this.banner.hidden = false;
  }

  private header(): HTMLElement {
    const tools = el(
      "details",
      { class: "menu", attrs: { "data-test": "tools-menu" } },
      el("summary", null, tn("tools.title")),
      el(
        "div",
        { class: "menu-items" },
        el(
          "button",
          {
            attrs: { type: "button", "data-test": "tools-invite" },
            on: {
              click: () => {
                tools.open = false;
                const view = this.active ? this.views.get(this.active) : undefined;
                if (!view || view.isEnded) {
                  this.showBanner(t("tools.invite_needs_session"));
                  return;
                }
                openInviteDialog({ number: view.number, joinLink: view.joinLink, csrName: this.csrName });
              },
            },
          },
          tn("tools.invite"),
        ),
      ),
    );
    return el(
      "header",
      { class: "top" },
      el("span", { class: "brand" }, tn("app.name")),
      el(
        "button",
        { class: "link", attrs: { type: "button", "data-test": "dashboard" }, on: { click: () => this.showDashboard() } },
        tn("console.dashboard"),
      ),
      el(
        "button",
        { class: "link", attrs: { type: "button", "data-test": "history" }, on: { click: () => this.showHistory() } },
        tn("history.title"),
      ),
      this.pageLinks,
      tools,
      el("span", { class: "spacer" }),
      this.presence.element,
      el("span", { class: "who", attrs: { "data-test": "signed-in-as" } }, tn("console.signed_in_as", { name: this.account.display_name, site: this.account.site })),
      this.account.role === "admin" ? el("a", { attrs: { href: "/admin", "data-test": "admin-link" } }, tn("console.admin")) : null,
      languageSwitch(() => this.relabelAll()),
      el("button", { attrs: { type: "button", "data-test": "change-password" }, on: { click: () => openPasswordDialog() } }, tn("console.change_password")),
      el(
        "button",
        {
          attrs: { type: "button", "data-test": "two-factor" },
          on: { click: () => openTwoFactorDialog(this.account, (changed) => (this.account = changed)) },
        },
        tn("two_factor.title"),
      ),
      el("button", { attrs: { type: "button", "data-test": "sign-out" }, on: { click: () => void this.signOut() } }, tn("console.sign_out")),
    );
  }

  private relabelAll(): void {
    relabel();
    this.renderPageLinks();
    this.presence.relabel();
    this.offers.relabel();
    for (const page of this.pages.values()) {
      page.title.textContent = panelTitle(page.frame.spec);
      page.frame.relabel();
    }
    for (const view of this.views.values()) view.relabel();
  }

  private buildDashboard(): HTMLElement {
    const openInvite = el("input", { attrs: { type: "checkbox", id: "start-invite", "data-test": "start-invite" } });
    const assistNumber = tAttr(el("input", { attrs: { id: "assist-number", inputmode: "numeric", "data-test": "assist-number" } }), "placeholder", "console.assist_placeholder");
    const error = el("p", { class: "error", attrs: { role: "alert", "data-test": "dashboard-error" } });
    return el(
      "section",
      { class: "dashboard", attrs: { "data-test": "dashboard-view" } },
      el("h1", null, tn("console.welcome", { name: this.account.display_name })),
      el(
        "div",
        { class: "cards" },
        el(
          "div",
          { class: "card" },
          el("h2", null, tn("console.start_title")),
          el("p", null, tn("console.start_help")),
          el("label", { class: "inline" }, openInvite, tn("console.start_with_invite")),
          el(
            "button",
            {
              class: "primary",
              attrs: { type: "button", "data-test": "start-session" },
              on: {
                click: async () => {
                  replace(error);
                  try {
                    await this.startSession(openInvite.checked);
                  } catch (failure) {
                    replace(error, describe(failure));
                  }
                },
              },
            },
            tn("console.start"),
          ),
        ),
        el(
          "form",
          {
            class: "card",
            on: {
              submit: async (event) => {
                event.preventDefault();
                replace(error);
                try {
                  const info = await this.connection.request("session.assist", { session: assistNumber.value });
                  assistNumber.value = "";
                  this.addView(info);
                } catch (failure) {
                  replace(error, describe(failure));
                }
              },
            },
          },
          el("h2", null, tn("console.assist_title")),
          el("label", { attrs: { for: "assist-number" } }, tn("console.assist_help")),
          assistNumber,
          el("button", { attrs: { type: "submit", "data-test": "assist" } }, tn("console.assist")),
        ),
      ),
      error,
    );
  }

  private async startSession(openInvite: boolean): Promise<void> {
    const started = await this.connection.request("session.start", {});
    this.addView(started);
    if (openInvite) {
      openInviteDialog({ number: started.session, joinLink: started.join_link ?? "", csrName: this.csrName });
      const link = document.querySelector<HTMLAnchorElement>('[data-test="invite-mailto"]');
      link?.click();
    }
  }

  private addView(info: SessionInfo): void {
    const view = new SessionView(this, info);
    this.views.set(info.session, view);
    const tab = el("button", {
      attrs: { role: "tab", type: "button", "data-test": "session-tab", "data-session": info.session },
      on: { click: () => this.show(info.session) },
    });
    this.tabs.set(info.session, tab);
    this.tabBar.appendChild(tab);
    this.remember();
    this.changed(info.session);
    this.show(info.session);
    if (!info.participants) void view.refresh();
  }

  private show(number: string): void {
    const view = this.views.get(number);
    if (!view) return;
    this.hidePages();
    this.active = number;
    replace(this.viewArea, view.element);
    for (const [n, tab] of this.tabs) tab.setAttribute("aria-selected", String(n === number));
  }

  /** A link in the navigation for each page a plugin adds to the console. */
  private renderPageLinks(): void {
    replace(
      this.pageLinks,
      ...this.pagePanels.map((spec) =>
        el(
          "button",
          {
            class: "link",
            attrs: { type: "button", "data-test": `page-${spec.plugin}-${spec.id}` },
            on: { click: () => this.showPage(spec) },
          },
          panelTitle(spec),
        ),
      ),
    );
  }

  /**
   * A plugin's page (the script library, WebACD's queues): its panel
   * outside any session, so its commands go to the plugin on the CSR's own
   * site. Loaded the first time it is shown, then kept (hidden while
   * another view is shown) so the plugin's console messages reach it.
   */
  private showPage(spec: PanelSpec): void {
    this.active = null;
    for (const tab of this.tabs.values()) tab.setAttribute("aria-selected", "false");
    // The session shown leaves the page, as when another tab is shown.
    replace(this.viewArea);
    const key = `${spec.plugin}/${spec.id}`;
    let page = this.pages.get(key);
    if (!page) {
      const frame = new PanelFrame(
        spec,
        (plugin, name, payload) => sendPluginCommand(this.connection, null, plugin, name, payload),
        { session: null, customer: null, role: "csr", user: this.user, site: this.account.site },
      );
      const title = el("h1", null, panelTitle(spec));
      const section = el("section", { class: "console-page", attrs: { "data-test": "console-page", "data-plugin": spec.plugin, "data-panel": spec.id } }, title, frame.iframe);
      page = { frame, section, title };
      this.pages.set(key, page);
      this.pageArea.appendChild(section);
    }
    for (const each of this.pages.values()) each.section.hidden = each !== page;
  }

  private hidePages(): void {
    for (const page of this.pages.values()) page.section.hidden = true;
  }

  /** The session history, searched afresh each time it is shown. */
  private showHistory(): void {
    this.hidePages();
    this.active = null;
    replace(this.viewArea, historyView());
    for (const tab of this.tabs.values()) tab.setAttribute("aria-selected", "false");
  }

  private showDashboard(): void {
    this.hidePages();
    this.active = null;
    replace(this.viewArea, this.dashboard);
    for (const tab of this.tabs.values()) tab.setAttribute("aria-selected", "false");
  }

  changed(number: string): void {
    const view = this.views.get(number);
    const tab = this.tabs.get(number);
    if (view && tab) {
      tab.textContent = view.label;
      tab.classList.toggle("ended", view.isEnded);
    }
  }

  closed(number: string): void {
    this.views.delete(number);
    this.tabs.get(number)?.remove();
    this.tabs.delete(number);
    this.forget(number);
    if (this.active === number) this.showDashboard();
  }

  private remember(): void {
    const open = [...this.views.values()].filter((v) => !v.isEnded).map((v) => v.number);
    try {
      localStorage.setItem(OPEN_SESSIONS_KEY, JSON.stringify(open));
    } catch {
      // Not remembered: a reload then starts from the dashboard.
    }
  }

  private forget(number: string): void {
    try {
      localStorage.setItem(OPEN_SESSIONS_KEY, JSON.stringify(remembered().filter((n) => n !== number)));
    } catch {
      // Nothing to forget.
    }
  }

  private async signOut(): Promise<void> {
    try {
      await api.post("/api/auth/signout");
    } catch (error) {
      this.showBanner(describe(error));
      return;
    }
    this.leave();
  }

  /** Back to the front page, forgetting this console's sessions. */
  private leave(notice?: string): void {
    this.left = true;
    if (this.reconnecting !== undefined) clearTimeout(this.reconnecting);
    this.reconnecting = undefined;
    this.connection.close();
    try {
      localStorage.removeItem(OPEN_SESSIONS_KEY);
    } catch {
      // Nothing stored.
    }
    for (const dialog of document.querySelectorAll("dialog")) dialog.remove();
    this.signedOut(notice);
  }
}
