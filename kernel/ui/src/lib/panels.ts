// Plugin panels: each runs in an iframe sandboxed without same-origin, so
// its scripts have an opaque origin — no cookies, no storage of ours, no
// REST calls (the kernel also serves panels with `connect-src 'none'`).
// The page (console, customer page, admin pages) talks to it only through
// this postMessage bridge; the panel can address nothing but its own
// plugin — its commands, its messages, and the streams it opened.
// Protocol: sdk/panel/README.md.

import { api } from "./api";
import { el } from "./dom";
import { detailOr } from "./errors";
import { locale, type Locale } from "./i18n";
import type { CustomerPanel, JsonValue } from "./protocol.gen";
import { checkPanelFrame, type StreamInfo } from "./streams";

/** A panel as `/api/sites/{site}/plugins` lists it. */
export interface PanelSpec {
  plugin: string;
  id: string;
  title: string;
  titles: Record<string, string>;
  location: string;
  entry: string;
}

/** The customer panels a customer page's `session.welcome` lists. */
export function customerPanelSpecs(panels: readonly CustomerPanel[] | undefined): PanelSpec[] {
  return (panels ?? []).map((panel) => ({ ...panel, location: "customer" }));
}

/** The panels of `location` that the plugins enabled on `site` contribute. */
export async function sitePanels(site: string, location: "csr" | "console" | "admin"): Promise<PanelSpec[]> {
  const plugins = await api.get<{ id: string; panels: Omit<PanelSpec, "plugin">[] }[]>(
    `/api/sites/${encodeURIComponent(site)}/plugins`,
  );
  return plugins.flatMap((plugin) =>
    plugin.panels.filter((panel) => panel.location === location).map((panel) => ({ ...panel, plugin: plugin.id })),
  );
}

export interface PanelContext {
  session: string | null;
  /** The selected customer in a console; the customer themself on their page. */
  customer: { id: string; display_name: string } | null;
  /** `host` or `assistant` in a session, `csr` on a console page, `admin` on the admin pages, `customer` on the customer's page. */
  role: string;
  /** The signed-in CSR (panels show "your" scripts and the like); `null` on the customer's page. */
  user: { username: string; display_name: string } | null;
}

/** Sends a command to the panel's plugin; resolves with its answer. */
export type CommandSender = (plugin: string, name: string, payload: JsonValue) => Promise<unknown>;

/** What a page that knows about streams offers its panels. */
export interface PanelStreams {
  /** The streams the panel's plugin has open where the panel is (its session). */
  open(plugin: string): StreamInfo[];
  /**
   * Sends a frame a panel posted, once checked, on the page's socket.
   * Absent where the page relays no frames (the customer's page).
   */
  send?(frame: ArrayBuffer): void;
}

/** What a panel is told about one of its plugin's streams. */
export type PanelStreamEvent =
  | { type: "opened"; stream: number; source: string; capability: string; label: string }
  | { type: "closed"; stream: number; reason: string; source?: string; capability?: string; label?: string };

/** A stream's `opened` event for its plugin's panels. */
export function openedEvent(info: StreamInfo): PanelStreamEvent {
  return { type: "opened", stream: info.stream, source: info.source, capability: info.capability, label: info.label };
}

/** A stream's `closed` event, with what it was where that is known. */
export function closedEvent(stream: number, reason: string, info?: StreamInfo): PanelStreamEvent {
  return info
    ? { type: "closed", stream, reason, source: info.source, capability: info.capability, label: info.label }
    : { type: "closed", stream, reason };
}

/**
 * Frames through the bridge, for debugging and the tests (the page's
 * `window.tetherBridge`): how many went to panels, came from them and went
 * out, and how many a panel sent that were dropped, by why.
 */
export const bridgeCounters = {
  framesToPanels: 0,
  /** Frames from the kernel on a stream this page does not know (closed meanwhile). */
  framesUnrouted: 0,
  framesFromPanels: 0,
  framesDropped: 0,
  dropped: {} as Record<string, number>,
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

export class PanelFrame {
  readonly iframe: HTMLIFrameElement;

  constructor(
    readonly spec: PanelSpec,
    private readonly send: CommandSender,
    private context: PanelContext,
    private readonly streams?: PanelStreams,
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
    this.iframe.addEventListener("load", () => {
      this.post({ type: "context", context: this.publicContext() });
    });
    onPage.add(this);
  }

  /** Whether the panel's document is there to be posted to (its frame is in the page). */
  get isLive(): boolean {
    return this.iframe.isConnected && this.iframe.contentWindow !== null;
  }

  /** New session, customer or language: the panel re-renders. */
  setContext(context: PanelContext): void {
    this.context = context;
    this.post({ type: "context", context: this.publicContext() });
  }

  /** Language switched: the frame's accessible name and the panel follow. */
  relabel(): void {
    this.iframe.title = panelTitle(this.spec);
    this.post({ type: "context", context: this.publicContext() });
  }

  /** A `plugin.message` the plugin sent to this page. */
  deliver(message: unknown): void {
    this.post({ type: "message", message });
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
    this.iframe.remove();
  }

  receive(data: unknown): void {
    if (typeof data !== "object" || data === null) return;
    const message = data as Record<string, unknown>;
    if (message.tether !== BRIDGE_VERSION) return;
    if (message.type === "ready") {
      // A panel (re)loaded — it is loaded again each time its view is
      // shown — learns the context and what its plugin has open.
      this.post({ type: "context", context: this.publicContext() });
      for (const info of this.streams?.open(this.spec.plugin) ?? []) this.streamEvent(openedEvent(info));
      return;
    }
    if (message.type === "frame") {
      this.sendFrame(message.data);
      return;
    }
    if (message.type !== "command") return;
    const id = message.id;
    const name = message.name;
    if (typeof id !== "number" || !Number.isSafeInteger(id)) return;
    if (typeof name !== "string" || name.length === 0 || name.length > MAX_COMMAND_NAME) {
      this.post({ type: "result", id, ok: false, error: { code: "malformed", message: "bad command name" } });
      return;
    }
    // The panel's payload is whatever it posted (a structured clone); it goes
    // out as JSON like any payload, and the plugin validates it.
    const payload = (message.payload ?? null) as JsonValue;
    this.send(this.spec.plugin, name, payload).then(
      (value) => this.post({ type: "result", id, ok: true, value }),
      (error: { code?: string; message?: string; detail?: unknown }) =>
        this.post({
          type: "result",
          id,
          ok: false,
          // The kernel's detail in the console's language, where it sent one.
          error: { code: error?.code ?? "internal", message: detailOr(error?.detail, error?.message ?? String(error)) },
        }),
    );
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
    const open = new Set(this.streams.open(this.spec.plugin).map((info) => info.stream));
    const verdict = checkPanelFrame(data, open);
    if (!verdict.ok) {
      dropFrame(verdict.reason);
      return;
    }
    bridgeCounters.framesFromPanels += 1;
    relay(verdict.frame);
  }

  private publicContext(): PanelContext & { locale: Locale; plugin: string; title: string } {
    return { ...this.context, locale: locale(), plugin: this.spec.plugin, title: panelTitle(this.spec) };
  }

  private post(message: Record<string, unknown>): void {
    // An opaque origin cannot be named, hence "*"; what is posted is only
    // what the panel may know.
    this.iframe.contentWindow?.postMessage({ tether: BRIDGE_VERSION, ...message }, "*");
  }
}
