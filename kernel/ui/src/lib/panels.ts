// Plugin panels: each runs in an iframe sandboxed without same-origin, so
// its scripts have an opaque origin — no cookies, no storage of ours, no
// REST calls (the kernel also serves panels with `connect-src 'none'`).
// The console talks to it only through this postMessage bridge; the panel
// can address nothing but its own plugin. Protocol: sdk/panel/README.md.

import { api } from "./api";
import { el } from "./dom";
import { detailOr } from "./errors";
import { locale, type Locale } from "./i18n";
import type { JsonValue } from "./protocol.gen";

/** A panel as `/api/sites/{site}/plugins` lists it. */
export interface PanelSpec {
  plugin: string;
  id: string;
  title: string;
  titles: Record<string, string>;
  location: string;
  entry: string;
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
  customer: { id: string; display_name: string } | null;
  /** `host` or `assistant` in a session; `admin` on the admin pages. */
  role: string;
  /** The signed-in CSR (panels show "your" scripts and the like). */
  user: { username: string; display_name: string };
}

/** Sends a command to the panel's plugin; resolves with its answer. */
export type CommandSender = (plugin: string, name: string, payload: JsonValue) => Promise<unknown>;

const BRIDGE_VERSION = 1;
const MAX_COMMAND_NAME = 64;
const frames = new Map<Window, PanelFrame>();
let listening = false;

function listen(): void {
  if (listening) return;
  listening = true;
  window.addEventListener("message", (event: MessageEvent) => {
    // Only our own panel frames are heard, whatever they claim to be.
    const frame = event.source ? frames.get(event.source as Window) : undefined;
    if (frame) frame.receive(event.data);
  });
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
      const window = this.iframe.contentWindow;
      if (window) frames.set(window, this);
      this.post({ type: "context", context: this.publicContext() });
    });
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

  /** A `plugin.message` the plugin sent to this console. */
  deliver(message: unknown): void {
    this.post({ type: "message", message });
  }

  destroy(): void {
    const window = this.iframe.contentWindow;
    if (window) frames.delete(window);
    this.iframe.remove();
  }

  receive(data: unknown): void {
    if (typeof data !== "object" || data === null) return;
    const message = data as Record<string, unknown>;
    if (message.tether !== BRIDGE_VERSION) return;
    if (message.type === "ready") {
      this.post({ type: "context", context: this.publicContext() });
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

  private publicContext(): PanelContext & { locale: Locale; plugin: string; title: string } {
    return { ...this.context, locale: locale(), plugin: this.spec.plugin, title: panelTitle(this.spec) };
  }

  private post(message: Record<string, unknown>): void {
    // An opaque origin cannot be named, hence "*"; what is posted is only
    // what the panel may know.
    this.iframe.contentWindow?.postMessage({ tether: BRIDGE_VERSION, ...message }, "*");
  }
}
