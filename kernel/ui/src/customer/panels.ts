// The plugin panels on the customer's page (those the session's welcome
// lists, such as the application sharing dialog): the same sandboxed
// frames and bridge as the console's, with the customer as the context's
// customer and role `customer`. A panel's commands go to its plugin as the
// customer's `plugin.command`; the plugin's messages to the customer reach
// it, and so do the streams its plugin opened that concern this customer:
// what the customer shares (events only: the page is no viewer of those)
// and what a CSR shows them. For the latter the page relays frames like
// the console does — pictures in, acknowledgements, keyframe requests and
// input out — checked by `checkCustomerPanelFrame` (the kernel checks
// again). `panel.agentCode()` gets the customer's own helper code.

import { el, replace } from "../lib/dom";
import { tc } from "../lib/i18n";
import {
  deliverFrame,
  PanelFrame,
  panelTitle,
  type AgentCode,
  type PanelContext,
  type PanelServices,
  type PanelSpec,
  type PanelStreamEvent,
  type PanelStreams,
} from "../lib/panels";
import type { JsonValue } from "../lib/protocol.gen";
import { checkCustomerPanelFrame, type StreamTable } from "../lib/streams";
import type { CustomerConnection, CustomerSelf } from "./connection";

export class CustomerPanels {
  /** One card per panel; empty (and hidden) while there are none. */
  readonly element = el("div", { class: "customer-panels", attrs: { "data-test": "customer-panels" }, props: { hidden: true } });
  private frames: PanelFrame[] = [];

  /** `nameOf` gives a participant's display name (a CSR showing something), where the page knows it. */
  constructor(
    private readonly connection: CustomerConnection,
    private readonly streams: StreamTable,
    private readonly nameOf: (participant: string) => string | undefined,
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
    const streams: PanelStreams = {
      open: (plugin) => this.streams.of(self.session, plugin),
      send: (frame) => void this.connection.sendBinary(frame),
      check: (data, open) => checkCustomerPanelFrame(data, open, self.participant),
      nameOf: this.nameOf,
    };
    const services: PanelServices = {
      agentCode: () => this.connection.request("agent.code", {}) as Promise<AgentCode>,
    };
    this.frames = specs.map((spec) => new PanelFrame(spec, send, context, streams, services));
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

  /** A picture of a stream a CSR shows: to the panels of the plugin that opened it. */
  deliverFrame(plugin: string, frame: ArrayBuffer): void {
    deliverFrame(this.of(plugin), frame);
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
