// One support session in the console: its number and join link, the
// participants panel, the plugin panels (Customer information) with the
// streams their plugins open, the consent status while the customer
// decides, the chat, and the session's actions (invite, report, pass
// control, end, leave), with the menus `csr-menu` panels add beside Pass
// control (WebACD's Transfer session); a session handed to another CSR
// (`session.transferred`) changes its host and participants in place.

import { ChatBox, type ChatMessage } from "../lib/chat";
import { el, replace, spacedNumber } from "../lib/dom";
import { describe, detailOr } from "../lib/errors";
import { inLanguage, t, tAttr, tc, tn } from "../lib/i18n";
import {
  closedEvent,
  controlEvent,
  deliverFrame,
  openedEvent,
  PanelFrame,
  panelTitle,
  type PanelContext,
  type PanelServices,
  type PanelSpec,
  type PanelStreams,
} from "../lib/panels";
import { browserCapturer } from "../lib/panel_capture";
import type { ConsoleRequest, JsonValue, RejoinAfterRestart } from "../lib/protocol.gen";
import type { EventBody, Participant, RequestBody } from "../lib/socket";
import { checkConsolePanelFrame, type StreamTable } from "../lib/streams";
import { CsrMenu } from "./csr_menu";
import { openInviteDialog } from "./invite";
import { sendPluginCommand } from "./plugin_commands";
import { openReportDialog } from "./report";
import type { ConsoleConnection, SessionInfo } from "./types";

interface Member extends Participant {
  away: boolean;
}

/** Requests about this session that only report success or a refusal. */
type SessionAction =
  | "session.select_customer"
  | "session.pass_control"
  | "session.remove_participant"
  | "session.leave"
  | "session.end";

export interface SessionHost {
  connection: ConsoleConnection;
  csrName: string;
  /** The signed-in CSR, as panels see them. */
  user: { username: string; display_name: string };
  panels: PanelSpec[];
  /** The `csr-menu` panels: a menu button each beside Pass control. */
  menuPanels: PanelSpec[];
  /** The streams open in every session of this console (kept while a view is not shown). */
  streams: StreamTable;
  /** The session is over for this console: drop its tab. */
  closed(number: string): void;
  /** Something changed that the tab label shows. */
  changed(number: string): void;
}

export class SessionView {
  readonly element: HTMLElement;
  readonly number: string;
  private me: string;
  private mode: "single" | "multi";
  private host: string | null = null;
  private selected: string | null = null;
  private members = new Map<string, Member>();
  private ended = false;
  /** `true` once this CSR took control from someone else (control can go back). */
  private controlTakenOver = false;
  readonly joinLink: string;
  private readonly chat: ChatBox;
  private readonly participantList = el("ul", { class: "participants", attrs: { "data-test": "participants" } });
  private readonly actions = el("div", { class: "toolbar session-actions" });
  private readonly consentBar = el("div", { class: "consent-status", attrs: { role: "status", "data-test": "consent-status" } });
  private readonly notice = el("p", { class: "notice", attrs: { role: "status", "data-test": "session-notice" } });
  private readonly waiting = new Map<string, HTMLElement>();
  private readonly frames: PanelFrame[] = [];
  private readonly menus: CsrMenu[] = [];
  /** The menus' dialogs, which hold their panels: put once, never moved. */
  private readonly menuDialogs = el("div", { class: "csr-menus" });
  private readonly panelTabs = el("div", { class: "tabs panel-tabs", attrs: { role: "tablist" } });
  private readonly panelArea = el("div", { class: "panel-area" });

  constructor(
    private readonly app: SessionHost,
    info: SessionInfo,
  ) {
    this.number = info.session;
    this.me = info.participant;
    this.mode = info.mode;
    this.joinLink = info.join_link ?? `${window.location.origin}/join/${info.session}`;
    this.chat = new ChatBox(
      () => this.me,
      (text) => this.app.connection.request("chat.send", { session: this.number, text }),
    );
    this.apply(info);
    this.element = el(
      "section",
      { class: "session", attrs: { "data-test": "session", "data-session": this.number } },
      el(
        "header",
        { class: "session-header" },
        el("h1", null, tn("session.heading", { number: spacedNumber(this.number) })),
        el(
          "div",
          { class: "join-link" },
          el("label", { attrs: { for: `link-${this.number}` } }, tn("session.join_link")),
          el("input", { attrs: { id: `link-${this.number}`, readonly: "", "data-test": "join-link" }, props: { value: this.joinLink } }),
        ),
        this.actions,
      ),
      this.notice,
      el(
        "div",
        { class: "session-body" },
        el("aside", { class: "participants-panel" }, el("h2", { class: "section-label" }, tn("participants.title")), this.participantList),
        el(
          "div",
          { class: "customer-information" },
          el("h2", { class: "section-label" }, tn("session.customer_information")),
          this.consentBar,
          this.panelTabs,
          this.panelArea,
        ),
        this.chat.element,
      ),
      this.menuDialogs,
    );
    this.buildPanels();
    this.render();
  }

  /** The tab's label: the customer's name once there is one. */
  get label(): string {
    const customers = this.customers();
    const name = customers.length === 1 ? customers[0].display_name : "";
    return name ? `${name} · ${spacedNumber(this.number)}` : spacedNumber(this.number);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private get isHost(): boolean {
    return this.host === this.me;
  }

  private customers(): Member[] {
    return [...this.members.values()].filter((m) => m.role === "customer");
  }

  /** The customer plugin commands are about. */
  private currentCustomer(): Member | null {
    if (this.selected) return this.members.get(this.selected) ?? null;
    const customers = this.customers();
    return customers.length === 1 ? customers[0] : null;
  }

  /** Takes in session info; `session.info` replies come without `participant`. */
  private apply(info: Omit<SessionInfo, "participant"> & { participant?: string }): void {
    if (info.participants) {
      const away = new Set([...this.members.values()].filter((m) => m.away).map((m) => m.id));
      this.members = new Map(info.participants.map((p) => [p.id, { ...p, away: away.has(p.id) }]));
    }
    if (info.host !== undefined) this.host = info.host ?? null;
    if (info.selected_customer !== undefined) this.selected = info.selected_customer ?? null;
    if (info.host === undefined && info.participant) {
      // session.start: the one who started is the host.
      this.host = info.participant;
    }
    // Streams open before this console attached (assisting, or resuming
    // after a reload): known from here on, and told to the panels.
    for (const stream of info.streams ?? []) {
      if (!this.app.streams.get(stream.stream)) this.onStreamOpened({ ...stream, session: this.number });
    }
  }

  /** Asks the kernel for the current participants, host and selection. */
  async refresh(): Promise<void> {
    try {
      const info = await this.app.connection.request("session.info", { session: this.number });
      this.apply(info);
      this.render();
    } catch (error) {
      this.say(describe(error), true);
    }
  }

  private buildPanels(): void {
    const specs = this.app.panels;
    // A panel sees its own plugin's streams in this session, and may send
    // viewer frames (acknowledgements, keyframe requests, input) on them,
    // and pictures on one this console shares from the browser.
    const streams: PanelStreams = {
      open: (plugin) => this.app.streams.of(this.number, plugin),
      send: (frame) => void this.app.connection.sendBinary(frame),
      check: (data, open) => checkConsolePanelFrame(data, open, this.me),
    };
    // `panel.agentCode()`: a one-time code for this CSR's own helper
    // program in this session (the kernel gives it to the host only).
    // `panel.captureDisplay()`: a window or tab this console captures for
    // the panel (sharing from the browser), while the session is on and
    // this CSR is its host — the only one who may show the customers
    // something.
    const services: PanelServices = {
      agentCode: () => this.app.connection.request("agent.code", { session: this.number }),
      displayCapture: browserCapturer(() => !this.ended && this.isHost),
    };
    const send = (plugin: string, name: string, payload: JsonValue) => sendPluginCommand(this.app.connection, this.number, plugin, name, payload);
    // Loaded with the view, in their closed dialogs: each panel says
    // whether its button shows.
    for (const spec of this.app.menuPanels) {
      const menu = new CsrMenu(spec, send, this.panelContext(), streams, services);
      this.menus.push(menu);
      this.menuDialogs.appendChild(menu.dialog);
    }
    if (specs.length === 0) {
      replace(this.panelArea, el("p", { class: "status" }, tn("session.no_panels")));
      return;
    }
    specs.forEach((spec, index) => {
      const frame = new PanelFrame(spec, send, this.panelContext(), streams, services);
      this.frames.push(frame);
      const tab = el(
        "button",
        {
          attrs: { role: "tab", type: "button", "data-test": `panel-tab-${spec.plugin}-${spec.id}` },
          on: { click: () => this.showPanel(index) },
        },
        panelTitle(spec),
      );
      this.panelTabs.appendChild(tab);
      this.panelArea.appendChild(frame.iframe);
    });
    this.showPanel(0);
  }

  private showPanel(index: number): void {
    this.frames.forEach((frame, i) => {
      frame.iframe.hidden = i !== index;
    });
    [...this.panelTabs.children].forEach((tab, i) => tab.setAttribute("aria-selected", String(i === index)));
  }

  private panelContext(): PanelContext {
    const customer = this.ended ? null : this.currentCustomer();
    return {
      session: this.number,
      customer: customer && !customer.away ? { id: customer.id, display_name: customer.display_name } : null,
      role: this.isHost ? "host" : "assistant",
      user: this.app.user,
      join_link: this.joinLink,
    };
  }

  /** Language switched: panel titles and panels follow. */
  relabel(): void {
    [...this.panelTabs.children].forEach((tab, i) => {
      tab.textContent = panelTitle(this.frames[i].spec);
      this.frames[i].iframe.title = tab.textContent;
    });
    for (const menu of this.menus) menu.relabel();
    this.render();
  }

  private say(text: string, error = false): void {
    this.notice.className = error ? "notice error" : "notice";
    replace(this.notice, text);
  }

  private async run<K extends SessionAction>(type: K, body: RequestBody<ConsoleRequest, K>): Promise<boolean> {
    try {
      await this.app.connection.request(type, body);
      return true;
    } catch (error) {
      this.say(describe(error), true);
      return false;
    }
  }

  private render(): void {
    this.renderParticipants();
    this.renderActions();
    for (const frame of this.allFrames()) frame.setContext(this.panelContext());
    this.app.changed(this.number);
  }

  private renderParticipants(): void {
    const items = [...this.members.values()].map((member) => {
      const badges: (Text | HTMLElement)[] = [];
      const roleKey = member.role === "host" ? "role.host" : member.role === "assistant" ? "role.assistant" : "role.customer";
      badges.push(el("span", { class: "badge" }, tn(roleKey)));
      if (member.id === this.me) badges.push(el("span", { class: "badge" }, tn("participants.you")));
      if (member.away) badges.push(el("span", { class: "badge warn", attrs: { "data-test": "away" } }, tn("participants.away")));
      const isSelected = member.role === "customer" && this.currentCustomer()?.id === member.id;
      if (isSelected) badges.push(el("span", { class: "badge ok", attrs: { "data-test": "selected" } }, tn("participants.selected")));
      const canSelect = !this.ended && this.isHost && this.mode === "single" && member.role === "customer" && !isSelected;
      const canRemove = !this.ended && this.isHost && member.role !== "host";
      return el(
        "li",
        { attrs: { "data-test": "participant", "data-participant": member.id } },
        el("span", { class: "participant-name", attrs: { "data-test": "participant-name" } }, member.display_name),
        ...badges,
        canSelect
          ? el(
              "button",
              {
                attrs: { type: "button", "data-test": "select-customer" },
                on: { click: () => void this.run("session.select_customer", { session: this.number, participant: member.id }) },
              },
              tn("participants.select"),
            )
          : null,
        canRemove ? this.removeButton(member) : null,
      );
    });
    replace(this.participantList, ...items);
    if (items.length === 0) replace(this.participantList, el("li", { class: "status" }, tn("participants.none")));
  }

  /** The host takes someone out of the session, after confirming. */
  private removeButton(member: Member): HTMLElement {
    const name = { name: member.display_name };
    return el(
      "button",
      {
        class: "danger",
        attrs: { type: "button", "data-test": "remove-participant", "aria-label": t("participants.remove_label", name) },
        on: {
          click: () => {
            if (window.confirm(t("participants.remove_confirm", name))) {
              void this.run("session.remove_participant", { session: this.number, participant: member.id });
            }
          },
        },
      },
      tn("participants.remove"),
    );
  }

  private renderActions(): void {
    if (this.ended) {
      for (const menu of this.menus) menu.close();
      replace(
        this.actions,
        el("button", { attrs: { type: "button", "data-test": "report" }, on: { click: () => void openReportDialog(this.number) } }, tn("session.report")),
        el("button", { attrs: { type: "button", "data-test": "close-tab" }, on: { click: () => this.close() } }, tn("session.close_tab")),
      );
      return;
    }
    const assistants = [...this.members.values()].filter((m) => m.role !== "customer" && m.id !== this.me);
    const passTo = el("select", { attrs: { "data-test": "pass-to" } }, ...assistants.map((a) => el("option", { props: { value: a.id } }, a.display_name)));
    tAttr(passTo, "aria-label", "session.pass_to");
    const buttons: (HTMLElement | null)[] = [
      el(
        "button",
        {
          attrs: { type: "button", "data-test": "invite" },
          props: { disabled: !this.isHost },
          on: { click: () => openInviteDialog({ number: this.number, joinLink: this.joinLink, csrName: this.app.csrName }) },
        },
        tn("tools.invite"),
      ),
      el("button", { attrs: { type: "button", "data-test": "report" }, on: { click: () => void openReportDialog(this.number) } }, tn("session.report")),
    ];
    if (assistants.length > 0 && this.isHost) {
      buttons.push(
        passTo,
        el(
          "button",
          {
            attrs: { type: "button", "data-test": "pass-control" },
            on: { click: () => void this.run("session.pass_control", { session: this.number, to: passTo.value }) },
          },
          tn(this.controlTakenOver ? "session.pass_back" : "session.pass_control"),
        ),
      );
    }
    // Beside Pass control: each menu a `csr-menu` panel shows (hidden
    // until its panel asks for it).
    buttons.push(...this.menus.map((menu) => menu.button));
    if (this.isHost) {
      buttons.push(
        el(
          "button",
          {
            class: "danger",
            attrs: { type: "button", "data-test": "end-session" },
            on: {
              click: () => {
                if (window.confirm(t("session.end_confirm"))) void this.run("session.end", { session: this.number });
              },
            },
          },
          tn("session.end"),
        ),
      );
    } else {
      buttons.push(
        el(
          "button",
          {
            attrs: { type: "button", "data-test": "leave-session" },
            on: {
              click: async () => {
                if (await this.run("session.leave", { session: this.number })) this.close();
              },
            },
          },
          tn("session.leave"),
        ),
      );
    }
    replace(this.actions, ...buttons);
  }

  private close(): void {
    this.app.streams.forgetSession(this.number);
    for (const frame of this.frames) frame.destroy();
    for (const menu of this.menus) menu.destroy();
    this.app.closed(this.number);
  }

  // Events for this session, dispatched by the console.

  onJoined(participant: Participant): void {
    this.members.set(participant.id, { ...participant, away: false });
    this.say(t("participants.joined", { name: participant.display_name }));
    this.render();
  }

  onLeft(participant: Participant): void {
    this.members.delete(participant.id);
    if (this.selected === participant.id) this.selected = null;
    this.say(t("participants.left", { name: participant.display_name }));
    this.render();
  }

  onAway(participant: Participant, rejoin: RejoinAfterRestart): void {
    const member = this.members.get(participant.id);
    if (member) member.away = true;
    // Only promise what the customer's agent said it can do.
    const key = rejoin === "by_itself" ? "participants.away_restart" : "participants.away_restart_link";
    this.say(t(key, { name: participant.display_name }));
    this.render();
  }

  onRejoined(participant: Participant): void {
    const member = this.members.get(participant.id);
    if (member) member.away = false;
    else this.members.set(participant.id, { ...participant, away: false });
    this.say(t("participants.rejoined", { name: participant.display_name }));
    this.render();
  }

  onChat(message: ChatMessage): void {
    this.chat.add(message);
  }

  onConsentWaiting(body: EventBody<"consent.waiting">): void {
    const line = el(
      "p",
      { attrs: { "data-test": "consent-waiting" } },
      el("strong", null, tn("consent.waiting", { name: body.customer.display_name })),
      " ",
      // The customer's question in this console's language, as far as the
      // plugin's manifest translates it.
      el("q", { attrs: { "data-test": "consent-waiting-text" } }, tc(() => inLanguage(body.texts, body.text))),
    );
    this.waiting.set(body.request, line);
    this.consentBar.appendChild(line);
  }

  onConsentAnswered(body: EventBody<"consent.answered">): void {
    const line = this.waiting.get(body.request);
    if (line) {
      line.remove();
      this.waiting.delete(body.request);
    }
    const key = body.outcome === "granted" ? "consent.granted" : body.outcome === "denied" ? "consent.denied" : "consent.timed_out";
    this.say(t(key));
  }

  onControlPassed(body: EventBody<"control.passed">): void {
    this.host = body.to;
    if (body.to === this.me) this.controlTakenOver = true;
    const to = this.members.get(body.to);
    const from = this.members.get(body.from);
    if (to) to.role = "host";
    if (from) from.role = "assistant";
    // Only the host shows the customers something: what this console
    // captured for its panels ends with its control.
    if (!this.isHost) for (const frame of this.allFrames()) frame.stopCaptures();
    this.say(t("session.control_passed", { name: to?.display_name ?? "" }));
    this.render();
  }

  /**
   * The session was handed to another CSR: the previous host (if any) is
   * gone, `to` is the host — this console's own participant when it took
   * the session over.
   */
  onTransferred(body: EventBody<"session.transferred">): void {
    if (body.from) {
      this.members.delete(body.from);
      if (this.selected === body.from) this.selected = null;
    }
    const before = this.members.get(body.to.id);
    this.members.set(body.to.id, { ...body.to, role: "host", away: before?.away ?? false });
    this.host = body.to.id;
    if (!this.isHost) for (const frame of this.allFrames()) frame.stopCaptures();
    this.say(t(this.isHost ? "session.assigned" : "session.transferred", { name: body.to.display_name }));
    this.render();
  }

  /** The kernel made this CSR the session's host (`session.assigned`); the view was just opened or refreshed. */
  onAssigned(): void {
    this.say(t("session.assigned"));
  }

  onCustomerSelected(body: EventBody<"customer.selected">): void {
    this.selected = body.participant;
    this.render();
  }

  onActivitiesEnded(): void {
    this.say(t("session.activities_ended"));
  }

  onHostAway(body: EventBody<"session.host_away">): void {
    this.say(t("session.host_away", { seconds: body.grace_secs }));
  }

  onEnded(body: EventBody<"session.ended">): void {
    this.ended = true;
    // Handed to another CSR: this CSR is no longer in it (nor its host).
    if (body.detail?.key === "transferred_to") this.members.delete(this.me);
    for (const line of this.waiting.values()) line.remove();
    this.waiting.clear();
    this.say(t("session.ended", { reason: detailOr(body.detail, body.reason) }));
    for (const frame of this.allFrames()) frame.stopCaptures();
    // Whatever is still open ended with the session.
    for (const info of this.app.streams.forgetSession(this.number)) {
      this.panelsOf(info.plugin).forEach((frame) => frame.streamEvent(closedEvent(info.stream, body.reason, info)));
    }
    this.render();
  }

  /** The session's panels: Customer information's and the menus'. */
  private allFrames(): PanelFrame[] {
    return [...this.frames, ...this.menus.map((menu) => menu.frame)];
  }

  private panelsOf(plugin: string): PanelFrame[] {
    return this.allFrames().filter((frame) => frame.spec.plugin === plugin);
  }

  onStreamOpened(body: EventBody<"stream.opened">): void {
    this.app.streams.opened(body);
    const event = openedEvent(body);
    this.panelsOf(body.plugin).forEach((frame) => frame.streamEvent(event));
  }

  onStreamClosed(body: EventBody<"stream.closed">): void {
    const info = this.app.streams.closed(body.stream);
    if (!info) return;
    const event = closedEvent(body.stream, body.reason, info);
    this.panelsOf(info.plugin).forEach((frame) => frame.streamEvent(event));
  }

  /** Who controls an application a CSR shows changed: the panels of the plugin that opened it hear it. */
  onStreamControl(body: EventBody<"stream.control">): void {
    const info = this.app.streams.control(body.stream, body.controller ?? null);
    if (!info) return;
    const event = controlEvent(info.stream, info.controller);
    this.panelsOf(info.plugin).forEach((frame) => frame.streamEvent(event));
  }

  /** A frame on a stream `plugin` opened in this session: to that plugin's panels. */
  deliverFrame(plugin: string, frame: ArrayBuffer): void {
    deliverFrame(this.panelsOf(plugin), frame);
  }

  onPluginMessage(body: EventBody<"plugin.message">): void {
    for (const frame of this.panelsOf(body.plugin)) frame.deliver(body.message);
  }
}
