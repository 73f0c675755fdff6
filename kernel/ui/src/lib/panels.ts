// Plugin panels: each runs in an iframe sandboxed without same-origin, so
// its scripts have an opaque origin — no cookies, no storage of ours, no
// REST calls (the kernel also serves panels with `connect-src 'none'`).
// The page (console, customer page, admin pages) talks to it only through
// this postMessage bridge; the panel can address nothing but its own
// plugin — its commands, its messages, and the streams it opened — and,
// in a session, ask the page for what the page itself offers (the one-time
// code for the helper program, `panel.agentCode()`; on the console, a
// capture of a window or tab the panel may not make itself,
// `panel.captureDisplay()`: see ./panel_capture.ts; a `csr-menu` panel's
// menu button, `panel.showMenu(visible)`: see ../console/csr_menu.ts).
// Protocol: sdk/panel/README.md.

import { api } from "./api";
import { el } from "./dom";
import { detailOr } from "./errors";
import { locale, t, type Locale } from "./i18n";
import { captureResult, isCaptureRequest, PanelCaptures, type DisplayCapturer } from "./panel_capture";
import type { CustomerPanel, JsonValue } from "./protocol.gen";
import { checkPanelFrame, type PanelFrameVerdict, type StreamInfo } from "./streams";

/**
 * Where a manifest puts a panel: a session's Customer information (`csr`),
 * a menu beside Pass control in a session (`csr-menu`), a console page
 * outside sessions (`console`), the admin pages, the customer's page, or a
 * page anyone may open (`public`).
 */
export type PanelLocation = "csr" | "csr-menu" | "console" | "admin" | "customer" | "public";

/** A panel as `/api/sites/{site}/plugins` lists it. */
export interface PanelSpec {
  plugin: string;
  id: string;
  title: string;
  titles: Record<string, string>;
  location: string;
  entry: string;
}

/** A plugin as `/api/sites/{site}/plugins` lists it (what the pages read of it). */
export interface SitePlugin {
  id: string;
  /** The plugin's name as its manifest gives it. */
  name?: string;
  panels: Omit<PanelSpec, "plugin">[];
}

/** The customer panels a customer page's `session.welcome` lists. */
export function customerPanelSpecs(panels: readonly CustomerPanel[] | undefined): PanelSpec[] {
  return (panels ?? []).map((panel) => ({ ...panel, location: "customer" }));
}

/** The plugins enabled on `site`, with their panels. */
export function sitePlugins(site: string): Promise<SitePlugin[]> {
  return api.get<SitePlugin[]>(`/api/sites/${encodeURIComponent(site)}/plugins`);
}

/** The panels of `location` that `plugins` contribute. */
export function panelsAt(plugins: readonly SitePlugin[], location: PanelLocation): PanelSpec[] {
  return plugins.flatMap((plugin) =>
    plugin.panels.filter((panel) => panel.location === location).map((panel) => ({ ...panel, plugin: plugin.id })),
  );
}

/** The panels of `location` that the plugins enabled on `site` contribute. */
export async function sitePanels(site: string, location: PanelLocation): Promise<PanelSpec[]> {
  return panelsAt(await sitePlugins(site), location);
}

/** What a panel in a session, on a console page, the admin pages or the customer's page is told. */
export interface PanelContext {
  session: string | null;
  /** The selected customer in a console; the customer themself on their page. */
  customer: { id: string; display_name: string } | null;
  /** `host` or `assistant` in a session, `csr` on a console page, `admin` on the admin pages, `customer` on the customer's page. */
  role: string;
  /** The signed-in CSR (panels show "your" scripts and the like); `null` on the customer's page. */
  user: { username: string; display_name: string } | null;
  /**
   * The session's join link (`https://…/join/<number>`), as the kernel
   * gave it; where absent, the page's own origin makes it. A sandboxed
   * panel cannot know the server's address otherwise (the command that
   * joins the CSR's own agent names it).
   */
  join_link?: string | null;
  /**
   * The signed-in CSR's site, on console pages and the admin pages (a
   * panel that shows the site's public links needs it).
   */
  site?: string;
}

/**
 * What a public page's panel is told: no session, no one signed in — the
 * site and the page (what follows the path in the address) it is for.
 */
export interface PublicPanelContext {
  location: "public";
  site: string;
  page: string;
}

/** Sends a command to the panel's plugin; resolves with its answer. */
export type CommandSender = (plugin: string, name: string, payload: JsonValue) => Promise<unknown>;

/** What a page that knows about streams offers its panels. */
export interface PanelStreams {
  /** The streams the panel's plugin has open where the panel is (its session). */
  open(plugin: string): StreamInfo[];
  /**
   * Sends a frame a panel posted, once checked, on the page's socket.
   * Absent where the page relays no frames (console pages outside a session).
   */
  send?(frame: ArrayBuffer): void;
  /**
   * The page's own check of a frame a panel posted, over its plugin's open
   * streams (the customer's page: `checkCustomerPanelFrame`); the
   * console's is `checkPanelFrame`.
   */
  check?(data: unknown, open: StreamInfo[]): PanelFrameVerdict;
  /** The display name of a participant of the session, where the page knows it. */
  nameOf?(participant: string): string | undefined;
}

/** The one-time code for the helper program (`agent.code`'s reply). */
export interface AgentCode {
  code: string;
  expires_in_secs: number;
}

/** What a page does for its panels beyond commands and streams. */
export interface PanelServices {
  /**
   * A one-time code for the helper program of the page's participant in
   * the panel's session (the console: `agent.code {session}`; the
   * customer's page: `agent.code {}`). Absent where there is no session.
   */
  agentCode?(): Promise<AgentCode>;
  /**
   * Captures a window or tab for the panel (`panel.captureDisplay()`):
   * the console's panels in a session only. Absent: the page refuses
   * (`unsupported`).
   */
  displayCapture?: DisplayCapturer;
  /**
   * A `csr-menu` panel's menu: `panel.showMenu(visible)` shows or hides
   * its button beside Pass control, `panel.closeMenu()` closes it where it
   * is open. Absent: the page has no menu for the panel and ignores both.
   */
  menu?: PanelMenu;
}

/** The menu a `csr-menu` panel is shown in (../console/csr_menu.ts). */
export interface PanelMenu {
  setVisible(visible: boolean): void;
  close(): void;
}

/** What a panel is told about one of its plugin's streams. */
export type PanelStreamEvent =
  | {
      type: "opened";
      stream: number;
      source: string;
      /** The source's display name, where the page knows it. */
      source_name?: string;
      capability: string;
      label: string;
      origin: string;
      controller: string | null;
    }
  | { type: "control"; stream: number; controller: string | null }
  | { type: "closed"; stream: number; reason: string; source?: string; capability?: string; label?: string; origin?: string };

/** A stream's `opened` event for its plugin's panels; `sourceName` where the page knows the source's name. */
export function openedEvent(info: StreamInfo, sourceName?: string): PanelStreamEvent {
  return {
    type: "opened",
    stream: info.stream,
    source: info.source,
    ...(sourceName ? { source_name: sourceName } : {}),
    capability: info.capability,
    label: info.label,
    origin: info.origin,
    controller: info.controller,
  };
}

/** `stream.control`: who controls a stream of its plugin now (`null`: nobody). */
export function controlEvent(stream: number, controller: string | null): PanelStreamEvent {
  return { type: "control", stream, controller };
}

/** A stream's `closed` event, with what it was where that is known. */
export function closedEvent(stream: number, reason: string, info?: StreamInfo): PanelStreamEvent {
  return info
    ? { type: "closed", stream, reason, source: info.source, capability: info.capability, label: info.label, origin: info.origin }
    : { type: "closed", stream, reason };
}

/**
 * Frames through the bridge, for debugging and the tests (the page's
 * `window.tetherBridge`): how many went to panels, came from them and went
 * out, and how many a panel sent that were dropped, by why.
 */
export const bridgeCounters = {
  framesToPanels: 0,
  /** Frames from the kernel that reached no panel: on a stream this page does not know (closed meanwhile), or not for a panel. */
  framesUnrouted: 0,
  /** Those, by why (the customer's page says). */
  unrouted: {} as Record<string, number>,
  framesFromPanels: 0,
  framesDropped: 0,
  dropped: {} as Record<string, number>,
  /** Pictures of a window or tab the page captured for a panel, handed to it. */
  capturePictures: 0,
};

declare global {
  interface Window {
    tetherBridge?: typeof bridgeCounters;
  }
}

function dropFrame(reason: string): void {
  bridgeCounters.framesDropped += 1;
  bridgeCounters.dropped[reason] = (bridgeCounters.dropped[reason] ?? 0) + 1;
}

const BRIDGE_VERSION = 1;
const MAX_COMMAND_NAME = 64;

/** A refusal as a panel gets it: the kernel's detail in the page's language, where it sent one. */
function bridgeError(error: { code?: string; message?: string; detail?: unknown }): { code: string; message: string } {
  return { code: error?.code ?? "internal", message: detailOr(error?.detail, error?.message ?? String(error)) };
}
/** The panels of this page (shown or not), for telling which one a message came from. */
const onPage = new Set<PanelFrame>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  window.tetherBridge = bridgeCounters;
  window.addEventListener("message", (event: MessageEvent) => {
    // Only our own panel frames are heard, whatever they claim to be. A
    // frame's window is the same object from its insertion on, so a
    // panel's first message (`ready`) is heard even before its `load`.
    if (!event.source) return;
    for (const panel of onPage) {
      if (panel.iframe.contentWindow === event.source) {
        panel.receive(event.data);
        return;
      }
    }
  });
}

/** The `result` message answering a panel's request `id`. */
export type BridgeResult =
  | { type: "result"; id: number; ok: true; value: unknown }
  | { type: "result"; id: number; ok: false; error: { code: string; message: string } };

/**
 * The answer to a panel's `agent_code` request `id`: the page asks the
 * kernel (`ask`, absent where the panel is in no session) for a one-time
 * code for its participant's helper program; the panel gets the code and
 * how long it is good for — nothing else of the reply — or the refusal in
 * the page's language.
 */
export async function agentCodeResult(id: number, ask: (() => Promise<AgentCode>) | undefined): Promise<BridgeResult> {
  if (!ask) return { type: "result", id, ok: false, error: { code: "unavailable", message: t("panel.agent_code_unavailable") } };
  try {
    const reply = await ask();
    if (typeof reply?.code !== "string" || typeof reply.expires_in_secs !== "number") {
      return { type: "result", id, ok: false, error: { code: "internal", message: t("error.internal") } };
    }
    return { type: "result", id, ok: true, value: { code: reply.code, expires_in_secs: reply.expires_in_secs } };
  } catch (error) {
    return { type: "result", id, ok: false, error: bridgeError(error as { code?: string; message?: string; detail?: unknown }) };
  }
}

/**
 * Hands one frame to every live panel in `panels`: each but the last gets
 * a copy, the last the frame itself, transferred (no copy, and the page
 * keeps none).
 */
export function deliverFrame(panels: readonly PanelFrame[], frame: ArrayBuffer): void {
  const live = panels.filter((panel) => panel.isLive);
  const last = live.length - 1;
  live.forEach((panel, index) => panel.postFrame(index === last ? frame : frame.slice(0), index === last));
}

/** The panel's title in the current language. */
export function panelTitle(spec: PanelSpec, language: Locale = locale()): string {
  return spec.titles[language] ?? spec.title;
}

/** The context as a panel gets it (sdk/panel/README.md, `context`). */
export type PublishedContext =
  | (PanelContext & { location: string; locale: Locale; plugin: string; title: string; join_link: string | null })
  | (PublicPanelContext & { plugin: string; language: Locale; locale: Locale; title: string });

/**
 * The context `spec`'s panel is told, in the page's language: a public
 * page's panel learns only its plugin, site, page and language; the others
 * their session (with its join link), customer, role and user, and where
 * they are shown (`location`).
 */
export function panelContextFor(spec: PanelSpec, context: PanelContext | PublicPanelContext, language: Locale = locale()): PublishedContext {
  const title = panelTitle(spec, language);
  if ("location" in context && context.location === "public") {
    return { location: "public", plugin: spec.plugin, site: context.site, page: context.page, language, locale: language, title };
  }
  const inSession = context as PanelContext;
  const session = inSession.session;
  const join_link = inSession.join_link ?? (session ? `${window.location.origin}/join/${encodeURIComponent(session)}` : null);
  return { ...inSession, location: spec.location, join_link, locale: language, plugin: spec.plugin, title };
}

export class PanelFrame {
  readonly iframe: HTMLIFrameElement;
  /** The windows or tabs the page captures for this panel's document. */
  private readonly captures: PanelCaptures;
  /** Watches for the frame leaving the page while it holds captures. */
  private detachWatch: MutationObserver | null = null;

  constructor(
    readonly spec: PanelSpec,
    private readonly send: CommandSender,
    private context: PanelContext | PublicPanelContext,
    private readonly streams?: PanelStreams,
    private readonly services: PanelServices = {},
  ) {
    listen();
    this.iframe = el("iframe", {
      class: "panel-frame",
      attrs: {
        // No allow-same-origin: the panel's origin is opaque.
        sandbox: "allow-scripts allow-downloads allow-modals",
        src: `/plugin-ui/${encodeURIComponent(spec.plugin)}/${spec.entry
          .split("/")
          .map(encodeURIComponent)
          .join("/")}`,
        title: panelTitle(spec),
        referrerpolicy: "no-referrer",
        "data-plugin": spec.plugin,
        "data-panel": spec.id,
      },
    });
    this.captures = new PanelCaptures(services.displayCapture, (capture) => this.post({ type: "capture_ended", capture }));
    this.iframe.addEventListener("load", () => {
      // A document loaded in the frame: what the one before captured is
      // gone with it.
      this.captures.frameLoaded();
      this.watchDetach();
      this.post({ type: "context", context: this.publishedContext() });
    });
    onPage.add(this);
  }

  /** Whether the panel's document is there to be posted to (its frame is in the page). */
  get isLive(): boolean {
    return this.iframe.isConnected && this.iframe.contentWindow !== null;
  }

  /** New session, customer or language: the panel re-renders. */
  setContext(context: PanelContext | PublicPanelContext): void {
    this.context = context;
    this.post({ type: "context", context: this.publishedContext() });
  }

  /** Language switched: the frame's accessible name and the panel follow. */
  relabel(): void {
    this.iframe.title = panelTitle(this.spec);
    this.post({ type: "context", context: this.publishedContext() });
  }

  /** A `plugin.message` (or, to a console page, `plugin.console_message`) the plugin sent to this page. */
  deliver(message: unknown): void {
    this.post({ type: "message", message });
  }

  /** Its menu was opened (a `csr-menu` panel): the panel may focus what comes first. */
  menuOpened(): void {
    this.post({ type: "menu_opened" });
  }

  /** One of its plugin's streams opened or closed. */
  streamEvent(event: PanelStreamEvent): void {
    this.post({ type: "stream", event });
  }

  /** A frame on one of its plugin's streams; `transfer` hands the buffer over. */
  postFrame(frame: ArrayBuffer, transfer: boolean): void {
    const window = this.iframe.contentWindow;
    if (!window) return;
    bridgeCounters.framesToPanels += 1;
    window.postMessage({ tether: BRIDGE_VERSION, type: "frame", data: frame }, "*", transfer ? [frame] : []);
  }

  destroy(): void {
    onPage.delete(this);
    this.dropCaptures();
    this.iframe.remove();
  }

  /** The panel's session ended (or it may capture no more): its captures end, and it hears so. */
  stopCaptures(): void {
    this.captures.stopAll(true);
    this.watchDetach();
  }

  /** The panel's document is gone: its captures end, with no one to tell. */
  private dropCaptures(): void {
    this.captures.stopAll(false);
    this.watchDetach();
  }

  /**
   * While the panel holds captures, a frame taken out of the page (its
   * session's tab hidden, the console re-rendered) ends them: its
   * document is gone with it.
   */
  private watchDetach(): void {
    if (this.captures.size === 0) {
      this.detachWatch?.disconnect();
      this.detachWatch = null;
      return;
    }
    if (this.detachWatch) return;
    this.detachWatch = new MutationObserver(() => {
      if (!this.iframe.isConnected) this.dropCaptures();
    });
    this.detachWatch.observe(document.documentElement, { childList: true, subtree: true });
  }

  receive(data: unknown): void {
    if (typeof data !== "object" || data === null) return;
    const message = data as Record<string, unknown>;
    if (message.tether !== BRIDGE_VERSION) return;
    if (message.type === "ready") {
      // A panel (re)loaded — it is loaded again each time its view is
      // shown — learns the context and what its plugin has open. What
      // the document before it captured ended with it.
      this.captures.documentReady();
      this.watchDetach();
      this.post({ type: "context", context: this.publishedContext() });
      for (const info of this.streams?.open(this.spec.plugin) ?? []) {
        this.streamEvent(openedEvent(info, this.streams?.nameOf?.(info.source)));
      }
      return;
    }
    if (message.type === "frame") {
      this.sendFrame(message.data);
      return;
    }
    if (message.type === "menu") {
      if (typeof message.visible === "boolean") this.services.menu?.setVisible(message.visible);
      return;
    }
    if (message.type === "menu_close") {
      this.services.menu?.close();
      return;
    }
    if (message.type !== "command" && message.type !== "agent_code" && !isCaptureRequest(message.type)) return;
    const id = message.id;
    if (typeof id !== "number" || !Number.isSafeInteger(id)) return;
    if (message.type === "agent_code") {
      this.agentCode(id);
      return;
    }
    if (isCaptureRequest(message.type)) {
      this.capture(id, message);
      return;
    }
    const name = message.name;
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_COMMAND_NAME) {
      this.post({ type: "result", id, ok: false, error: { code: "malformed", message: "bad command name" } });
      return;
    }
    // The panel's payload is whatever it posted (a structured clone); it goes
    // out as JSON like any payload, and the plugin validates it.
    const payload = (message.payload ?? null) as JsonValue;
    this.send(this.spec.plugin, name, payload).then(
      (value) => this.post({ type: "result", id, ok: true, value }),
      (error: { code?: string; message?: string; detail?: unknown }) => this.post({ type: "result", id, ok: false, error: bridgeError(error) }),
    );
  }

  /** `panel.agentCode()`: see `agentCodeResult`. */
  private agentCode(id: number): void {
    void agentCodeResult(id, this.services.agentCode).then((result) => this.post(result));
  }

  /** `panel.captureDisplay()`, `captureFrame`, `stopCapture`: see ./panel_capture.ts. */
  private capture(id: number, message: Record<string, unknown>): void {
    void captureResult(id, this.captures, message).then(({ result, transfer }) => {
      this.watchDetach();
      if (result.ok && message.type === "capture_frame") bridgeCounters.capturePictures += transfer.length;
      if (!this.post(result, transfer)) {
        // The panel went meanwhile: a picture posted nowhere is let go.
        for (const each of transfer) if (each instanceof ImageBitmap) each.close();
      }
    });
  }

  /**
   * A frame from the panel goes out only if it is one a viewer sends, on a
   * stream of this panel's plugin, within the protocol's sizes; anything
   * else is dropped without an answer (and counted).
   */
  private sendFrame(data: unknown): void {
    const relay = this.streams?.send;
    if (!this.streams || !relay) {
      dropFrame("no_relay");
      return;
    }
    const open = this.streams.open(this.spec.plugin);
    const verdict = this.streams.check
      ? this.streams.check(data, open)
      : checkPanelFrame(data, new Set(open.map((info) => info.stream)));
    if (!verdict.ok) {
      dropFrame(verdict.reason);
      return;
    }
    bridgeCounters.framesFromPanels += 1;
    relay(verdict.frame);
  }

  /** What the panel is told: see `panelContextFor`. */
  private publishedContext(): PublishedContext {
    return panelContextFor(this.spec, this.context);
  }

  /** Posts to the panel's document, handing `transfer` over; whether there was one. */
  private post(message: Record<string, unknown>, transfer: Transferable[] = []): boolean {
    const target = this.iframe.contentWindow;
    if (!target) return false;
    // An opaque origin cannot be named, hence "*"; what is posted is only
    // what the panel may know.
    target.postMessage({ tether: BRIDGE_VERSION, ...message }, "*", transfer);
    return true;
  }
}
