// The plugin panels on the customer's page (those the session's welcome
// lists, such as the application sharing dialog): the same sandboxed
// frames and bridge as the console's, with the customer as the context's
// customer and role `customer`. A panel's commands go to its plugin as the
// customer's `plugin.command`; the plugin's messages to the customer reach
// it, and so do the streams its plugin opened from this customer's
// computer (the page relays no frames).

import { el, replace } from "../lib/dom";
import { tc } from "../lib/i18n";
import { PanelFrame, panelTitle, type PanelContext, type PanelSpec, type PanelStreamEvent } from "../lib/panels";
import type { JsonValue } from "../lib/protocol.gen";
import type { StreamTable } from "../lib/streams";
import type { CustomerConnection, CustomerSelf } from "./connection";

export class CustomerPanels {
  /** One card per panel; empty (and hidden) while there are none. */
  readonly element = el("div", { class: "customer-panels", attrs: { "data-test": "customer-panels" }, props: { hidden: true } });
  private frames: PanelFrame[] = [];

  constructor(
    private readonly connection: CustomerConnection,
    private readonly streams: StreamTable,
  ) {}

  /** Shows the panels a welcome lists (again after a reconnection: the old ones go). */
  show(specs: readonly PanelSpec[], self: CustomerSelf): void {
    this.destroy();
    const context: PanelContext = {
      session: self.session,
      customer: { id: self.participant, display_name: self.display_name },
      role: "customer",
      user: null,
    };
    const send = (plugin: string, name: string, payload: JsonValue) =>
      this.connection.request("plugin.command", { plugin, name, payload });
    this.frames = specs.map(
      (spec) => new PanelFrame(spec, send, context, { open: (plugin) => this.streams.of(self.session, plugin) }),
    );
    replace(
      this.element,
      ...this.frames.map((frame) =>
        el(
          "section",
          { class: "card customer-panel", attrs: { "data-test": "customer-panel", "data-plugin": frame.spec.plugin, "data-panel": frame.spec.id } },
          el("h2", null, tc(() => panelTitle(frame.spec))),
          frame.iframe,
        ),
      ),
    );
    this.element.hidden = this.frames.length === 0;
  }

  /** A `plugin.message` for the customer: to that plugin's panels. */
  deliver(plugin: string, message: unknown): void {
    for (const frame of this.of(plugin)) frame.deliver(message);
  }

  streamEvent(plugin: string, event: PanelStreamEvent): void {
    for (const frame of this.of(plugin)) frame.streamEvent(event);
  }

  /** Language switched: frame names and panels follow (the headings do by themselves). */
  relabel(): void {
    for (const frame of this.frames) frame.relabel();
  }

  destroy(): void {
    for (const frame of this.frames) frame.destroy();
    this.frames = [];
    replace(this.element);
    this.element.hidden = true;
  }

  private of(plugin: string): PanelFrame[] {
    return this.frames.filter((frame) => frame.spec.plugin === plugin);
  }
}
