// The customer's page: join a session by number or link with a display
// name, answer the CSR's requests in plain words, chat, start the helper
// program (host agent), use the plugins' panels for customers (such as
// choosing an application to share, or viewing one a CSR shows), see and
// stop what is shared, and come back after a restart without typing the
// number again.

import { api } from "../lib/api";
import { ChatBox } from "../lib/chat";
import { el, replace, spacedNumber } from "../lib/dom";
import { describe, detailText } from "../lib/errors";
import { detailOf } from "../lib/detail";
import { applyDocumentLanguage, languageSwitch, locale, relabel, t, tAttr, tc, tn } from "../lib/i18n";
import { bridgeCounters, closedEvent, controlEvent, customerPanelSpecs, openedEvent } from "../lib/panels";
import { Connection, type EventBody, type Participant } from "../lib/socket";
import { routeCustomerFrame, streamInfo, StreamTable, type StreamInfo } from "../lib/streams";
import type { CustomerConnection } from "./connection";
import { afterTransfer, HostStatus } from "./host_status";
import { CustomerPanels } from "./panels";
import { keepPlace, savedPlace, takeEnterNow, type Place } from "./place";
import { SharedNow } from "./shared_now";

/** How long the page waits between attempts to connect again. */
export const RECONNECT_MS = 2000;
/** How long it keeps trying before it asks the customer to reload. */
const RECONNECT_FOR_MS = 10 * 60 * 1000;

type Prompt = EventBody<"consent.prompt">;

/** The prompt in the page's language, English where not translated. */
function promptText(prompt: Prompt): string {
  return prompt.texts?.[locale()] ?? prompt.text;
}

const root = document.getElementById("app") as HTMLElement;
const main = el("main", { class: "customer" });

/** The panels shown, which follow a language switch; and how they go when the page leaves the session. */
let panelsShown: CustomerPanels | null = null;
function dropPanels(): void {
  panelsShown?.destroy();
  panelsShown = null;
}

/** The number in `/join/{number}`, if the page was opened from a join link. */
function numberFromPath(): string {
  const match = /^\/join\/([\d\s-]+)\/?$/.exec(decodeURIComponent(window.location.pathname));
  return match ? match[1] : "";
}

function joinForm(): HTMLElement {
  const number = tAttr(
    el("input", { attrs: { id: "join-number", inputmode: "numeric", autocomplete: "off", required: "", "data-test": "join-number" }, props: { value: numberFromPath() } }),
    "placeholder",
    "join.number_placeholder",
  );
  const name = el("input", { attrs: { id: "join-name", autocomplete: "name", required: "", maxlength: "100", "data-test": "join-name" } });
  const error = el("p", { class: "error", attrs: { role: "alert", "data-test": "join-error" } });
  return el(
    "form",
    {
      class: "card",
      on: {
        submit: async (event) => {
          event.preventDefault();
          replace(error);
          try {
            const joined = await api.post<{ session: string; participant: string; token: string }>("/api/join", {
              session: number.value,
              display_name: name.value,
            });
            const place = { session: joined.session, participant: joined.participant, token: joined.token, name: name.value };
            keepPlace(place);
            await enter(place);
          } catch (failure) {
            replace(error, describe(failure));
          }
        },
      },
    },
    el("h1", null, tn("join.title")),
    el("p", null, tn("join.help")),
    el("label", { attrs: { for: "join-number" } }, tn("join.number")),
    number,
    el("label", { attrs: { for: "join-name" } }, tn("join.name")),
    name,
    el("button", { class: "primary", attrs: { type: "submit", "data-test": "join-submit" } }, tn("join.submit")),
    error,
  );
}

function rejoinCard(place: Place): HTMLElement {
  const error = el("p", { class: "error", attrs: { role: "alert" } });
  return el(
    "div",
    { class: "card", attrs: { "data-test": "rejoin-card" } },
    el("h1", null, tn("join.rejoin_title")),
    el("p", null, tn("join.rejoin_help", { number: spacedNumber(place.session), name: place.name })),
    el(
      "div",
      { class: "toolbar" },
      el(
        "button",
        {
          class: "primary",
          attrs: { type: "button", "data-test": "rejoin" },
          on: {
            click: async () => {
              try {
                await enter(place);
              } catch (failure) {
                keepPlace(null);
                replace(error, t("join.rejoin_failed", { reason: describe(failure) }));
                main.appendChild(joinForm());
              }
            },
          },
        },
        tn("join.rejoin"),
      ),
      el(
        "button",
        {
          attrs: { type: "button", "data-test": "join-other" },
          on: {
            click: () => {
              keepPlace(null);
              replace(main, joinForm());
            },
          },
        },
        tn("join.other"),
      ),
    ),
    error,
  );
}

/**
 * The helper program's instructions. The command carries no secret (other
 * users of the computer could read it); the helper asks for a one-time code
 * the page shows on request.
 */
function agentHelp(place: Place, connection: CustomerConnection): HTMLElement {
  const link = `${window.location.origin}/join/${place.session}`;
  const download = `${window.location.origin}/download/tether-agent`;
  const command = `curl -fsSLo tether-agent ${download} && chmod +x tether-agent && ./tether-agent join ${link}`;
  const status = el("span", { class: "status", attrs: { role: "status" } });
  const codeArea = el("div", { class: "agent-code", attrs: { "aria-live": "polite" } });
  const showCode = async () => {
    try {
      const reply = (await connection.request("agent.code", {})) as { code: string; expires_in_secs: number };
      const minutes = Math.round(reply.expires_in_secs / 60);
      replace(
        codeArea,
        el("p", null, tn("agent.code_help", { minutes })),
        el("p", { class: "code", attrs: { "data-test": "agent-code" } }, reply.code),
        el("button", { attrs: { type: "button", "data-test": "agent-new-code" }, on: { click: () => void showCode() } }, tn("agent.code_new")),
      );
    } catch (failure) {
      replace(codeArea, el("p", { class: "error", attrs: { role: "alert" } }, describe(failure)));
    }
  };
  replace(
    codeArea,
    el("button", { attrs: { type: "button", "data-test": "agent-show-code" }, on: { click: () => void showCode() } }, tn("agent.code_button")),
  );
  return el(
    "section",
    { class: "card agent-help", attrs: { "data-test": "agent-help" } },
    el("h2", null, tn("agent.title")),
    el("p", null, tn("agent.why")),
    el(
      "ol",
      null,
      el("li", null, el("a", { attrs: { href: "/download/tether-agent", download: "tether-agent", "data-test": "agent-download" } }, tn("agent.download"))),
      el("li", null, tn("agent.run")),
    ),
    el("pre", { class: "command", attrs: { "data-test": "agent-command" } }, command),
    el(
      "button",
      {
        attrs: { type: "button", "data-test": "agent-copy" },
        on: {
          click: async () => {
            try {
              await navigator.clipboard.writeText(command);
              replace(status, t("agent.copied"));
            } catch {
              replace(status, t("agent.copy_by_hand"));
            }
          },
        },
      },
      tn("agent.copy"),
    ),
    status,
    codeArea,
    el("p", { class: "hint" }, tn("agent.keep")),
  );
}

async function enter(place: Place): Promise<void> {
  const connection: CustomerConnection = new Connection(`/ws/customer?token=${encodeURIComponent(place.token)}`);
  const members = new Map<string, Participant>();
  const memberList = el("ul", { class: "participants", attrs: { "data-test": "participants" } });
  const prompts = el("div", { class: "prompts", attrs: { "data-test": "consent-prompts" } });
  const notice = el("p", { class: "notice", attrs: { role: "status", "data-test": "customer-notice" } });
  const grants = el("ul", { class: "grants", attrs: { "data-test": "grants" } });
  const chat = new ChatBox(
    () => place.participant,
    (text) => connection.request("chat.send", { text }),
  );
  const say = (text: string) => replace(notice, text);
  // The name the page joined with, until the kernel says the one it keeps
  // (a public page that joined for the customer did not know it).
  let myName = place.name;
  const you = el("p", { attrs: { "data-test": "customer-you" } });
  const showName = () => replace(you, myName ? tc(() => t("customer.you_are", { name: myName })) : null);
  showName();
  const hostStatus = new HostStatus();
  dropPanels();
  const streams = new StreamTable();
  const panels = new CustomerPanels(connection, streams, (id) => members.get(id)?.display_name);
  panelsShown = panels;
  const shared = new SharedNow(connection, say);
  const renderMembers = () =>
    replace(
      memberList,
      ...[...members.values()].map((m) =>
        el("li", { attrs: { "data-test": "participant" } }, el("span", { class: "participant-name" }, m.display_name)),
      ),
    );

  connection.on("session.welcome", (body) => {
    members.clear();
    for (const p of body.participants) members.set(p.id, p);
    renderMembers();
    hostStatus.update(members.values());
    const me = members.get(place.participant);
    if (me && me.display_name !== myName) {
      myName = me.display_name;
      showName();
      keepPlace({ ...place, name: myName });
    }
    panels.show(customerPanelSpecs(body.panels), {
      session: place.session,
      participant: place.participant,
      display_name: me?.display_name ?? place.name,
    });
  });
  connection.on("plugin.message", (body) => panels.deliver(body.plugin, body.message));
  // What this customer shares — listed in Shared now — and what a CSR
  // shows them — viewed in the plugin's panel (both announced again on
  // reconnecting). Another customer's shares are none of this page's.
  const ownShare = (info: StreamInfo) => info.origin === "customer_agent" && info.source === place.participant;
  connection.on("stream.opened", (body) => {
    const info = streamInfo(body);
    if (streams.get(info.stream) || (info.origin === "customer_agent" && !ownShare(info))) return;
    streams.opened(info);
    if (ownShare(info)) shared.opened(info);
    panels.streamEvent(info.plugin, openedEvent(info, members.get(info.source)?.display_name));
  });
  connection.on("stream.control", (body) => {
    const info = streams.control(body.stream, body.controller ?? null);
    if (info) panels.streamEvent(info.plugin, controlEvent(info.stream, info.controller));
  });
  connection.on("stream.closed", (body) => {
    const info = streams.closed(body.stream);
    shared.closed(body.stream);
    if (info) panels.streamEvent(info.plugin, closedEvent(body.stream, body.reason, info));
  });
  // Pictures of what a CSR shows, once the customer chose to view it.
  connection.onBinary((frame) => {
    const route = routeCustomerFrame(frame, streams);
    if (route.ok) {
      panels.deliverFrame(route.info.plugin, frame);
      return;
    }
    bridgeCounters.framesUnrouted += 1;
    bridgeCounters.unrouted[route.reason] = (bridgeCounters.unrouted[route.reason] ?? 0) + 1;
  });
  connection.on("participant.joined", (body) => {
    members.set(body.participant.id, body.participant);
    renderMembers();
    hostStatus.update(members.values());
  });
  connection.on("participant.left", (body) => {
    members.delete(body.participant.id);
    renderMembers();
  });
  // Another support representative took the session over (from the queue,
  // or from the one before): the page stays connected; who helps changes.
  connection.on("session.transferred", (body) => {
    const next = afterTransfer(members, body);
    members.clear();
    for (const [id, member] of next) members.set(id, member);
    renderMembers();
    hostStatus.transferred(body.to);
    chat.note(tn("customer.helped_by", { name: body.to.display_name }));
  });
  connection.on("participant.away", (body) => {
    if (body.participant.id === place.participant) {
      say(t(body.rejoin === "by_itself" ? "customer.restarting" : "customer.restarting_link"));
      main.classList.add("away");
    }
  });
  connection.on("participant.rejoined", (body) => {
    if (body.participant.id === place.participant) {
      say(t("customer.rejoined"));
      main.classList.remove("away");
    }
  });
  connection.on("chat.message", (body) => chat.add(body));
  connection.on("agent.second_refused", () => say(t("agent.second_refused")));
  connection.on("agent.second_prompt", (body) => showPrompt(prompts, secondHelperCard(connection, body.request)));
  const asked = new Map<string, Prompt>();
  connection.on("consent.prompt", (body) => {
    asked.set(body.request, body);
    showPrompt(prompts, promptCard(connection, body));
  });
  connection.on("consent.answered", (body) => {
    prompts.querySelector(`[data-request="${CSS.escape(body.request)}"]`)?.remove();
    const prompt = asked.get(body.request);
    asked.delete(body.request);
    if (body.grants.length) grants.appendChild(grantItem(connection, body.grants, prompt ? promptText(prompt) : ""));
    say(t(body.outcome === "granted" ? "customer.allowed" : body.outcome === "denied" ? "customer.denied" : "customer.timed_out"));
  });
  connection.on("consent.revoked", (body) => {
    const item = grants.querySelector<HTMLElement>(`[data-grants~="${CSS.escape(body.grant)}"]`);
    if (!item) return;
    const left = (item.dataset.grants ?? "").split(" ").filter((g) => g && g !== body.grant);
    if (left.length === 0) item.remove();
    else item.dataset.grants = left.join(" ");
  });
  connection.on("session.ended", (body) => {
    keepPlace(null);
    connection.close();
    dropPanels();
    // Why, where the kernel says it in a way this page can translate
    // (removed by the CSR, did not connect in time…).
    const detail = detailOf(body.detail);
    const why = detail ? el("p", { attrs: { "data-test": "session-ended-why" } }, tc(() => detailText(detail))) : null;
    replace(main, el("div", { class: "card", attrs: { "data-test": "session-ended" } }, el("h1", null, tn("customer.ended_title")), why, el("p", null, tn("customer.ended_help"))));
  });
  // A connection lost while the customer is still in the session (the
  // server restarted, the session moved to another server, the network
  // dropped): the page connects again every few seconds, as the console
  // and the helper program do, and gives up after a while.
  let reconnecting: ReturnType<typeof setTimeout> | undefined;
  let lostSince: number | undefined;
  connection.onClose(() => {
    if (!savedPlace() || reconnecting !== undefined) return;
    lostSince ??= Date.now();
    if (Date.now() - lostSince > RECONNECT_FOR_MS) {
      say(t("customer.connection_lost"));
      return;
    }
    say(t("customer.reconnecting"));
    reconnecting = setTimeout(() => {
      reconnecting = undefined;
      connection.open().then(
        () => {
          lostSince = undefined;
          say("");
        },
        // A failed attempt closes the socket: the handler above tries again.
        () => undefined,
      );
    }, RECONNECT_MS);
  });

  await connection.open();
  replace(
    main,
    el(
      "header",
      { class: "session-header" },
      el("h1", null, tn("customer.heading", { number: spacedNumber(place.session) })),
      you,
      el(
        "button",
        {
          attrs: { type: "button", "data-test": "customer-leave" },
          on: {
            click: async () => {
              if (!window.confirm(t("customer.leave_confirm"))) return;
              try {
                await connection.request("session.leave", {});
              } catch {
                // Leaving anyway: the page forgets its place.
              }
              keepPlace(null);
              connection.close();
              dropPanels();
              replace(main, joinForm());
            },
          },
        },
        tn("customer.leave"),
      ),
    ),
    hostStatus.element,
    notice,
    prompts,
    el(
      "div",
      { class: "customer-body" },
      el(
        "div",
        null,
        panels.element,
        shared.element,
        agentHelp(place, connection),
        el("section", { class: "card" }, el("h2", null, tn("customer.permissions")), el("p", { class: "hint" }, tn("customer.permissions_help")), grants),
        el("section", { class: "card" }, el("h2", null, tn("participants.title")), memberList),
      ),
      chat.element,
    ),
  );
}

/** Where focus was before a question took it, to give it back after. */
let focusBeforePrompt: HTMLElement | null = null;

/**
 * Shows a question that waits for the customer and moves focus to it, so a
 * keyboard or screen-reader user is told at once; when the last question
 * is gone, focus goes back where it was.
 */
function showPrompt(area: HTMLElement, card: HTMLElement): void {
  if (area.childElementCount === 0 && document.activeElement instanceof HTMLElement) {
    focusBeforePrompt = document.activeElement;
  }
  area.appendChild(card);
  card.focus();
  new MutationObserver((_, observer) => {
    if (card.isConnected) return;
    observer.disconnect();
    const next = area.firstElementChild as HTMLElement | null;
    if (next) next.focus();
    else if (focusBeforePrompt?.isConnected) focusBeforePrompt.focus();
  }).observe(area, { childList: true });
}

let promptIds = 0;

/** An `alertdialog` named by its heading and described by its text. */
function dialogAttrs(testId: string, extra: Record<string, string> = {}): { heading: string; text: string; attrs: Record<string, string> } {
  promptIds += 1;
  const heading = `prompt-title-${promptIds}`;
  const text = `prompt-text-${promptIds}`;
  return {
    heading,
    text,
    attrs: { "data-test": testId, role: "alertdialog", tabindex: "-1", "aria-labelledby": heading, "aria-describedby": text, ...extra },
  };
}

function promptCard(connection: CustomerConnection, prompt: Prompt): HTMLElement {
  const error = el("p", { class: "error", attrs: { role: "alert" } });
  const answer = async (granted: boolean) => {
    try {
      await connection.request("consent.answer", { request: prompt.request, granted });
    } catch (failure) {
      replace(error, describe(failure));
    }
  };
  const ids = dialogAttrs("consent-prompt", { "data-request": prompt.request });
  return el(
    "div",
    { class: "card prompt", attrs: ids.attrs },
    el("h2", { attrs: { id: ids.heading } }, tn("consent.question")),
    el("p", { class: "prompt-text", attrs: { id: ids.text, "data-test": "consent-text" } }, promptText(prompt)),
    prompt.detail ? el("pre", { class: "prompt-detail", attrs: { "data-test": "consent-detail" } }, prompt.detail) : null,
    el(
      "div",
      { class: "toolbar" },
      el("button", { class: "primary", attrs: { type: "button", "data-test": "consent-allow" }, on: { click: () => void answer(true) } }, tn("consent.allow")),
      el("button", { attrs: { type: "button", "data-test": "consent-deny" }, on: { click: () => void answer(false) } }, tn("consent.deny")),
    ),
    error,
  );
}

/**
 * Another helper program asks to act for the customer instead of the one
 * connected: only the customer, here, lets it.
 */
function secondHelperCard(connection: CustomerConnection, request: string): HTMLElement {
  const error = el("p", { class: "error", attrs: { role: "alert" } });
  const ids = dialogAttrs("second-helper-prompt");
  const card = el(
    "div",
    { class: "card prompt", attrs: ids.attrs },
    el("h2", { attrs: { id: ids.heading } }, tn("agent.second_question")),
    el("p", { attrs: { id: ids.text } }, tn("agent.second_text")),
  );
  const answer = async (granted: boolean) => {
    try {
      await connection.request("consent.answer", { request, granted });
      card.remove();
    } catch (failure) {
      replace(error, describe(failure));
    }
  };
  card.append(
    el(
      "div",
      { class: "toolbar" },
      el("button", { class: "primary", attrs: { type: "button", "data-test": "second-helper-allow" }, on: { click: () => void answer(true) } }, tn("consent.allow")),
      el("button", { attrs: { type: "button", "data-test": "second-helper-deny" }, on: { click: () => void answer(false) } }, tn("consent.deny")),
    ),
    error,
  );
  return card;
}

/** A permission the customer gave (one per answered prompt), which they can withdraw. */
function grantItem(connection: CustomerConnection, ids: string[], text: string): HTMLElement {
  const error = el("span", { class: "error", attrs: { role: "alert" } });
  const item = el(
    "li",
    { attrs: { "data-grants": ids.join(" "), "data-test": "grant" } },
    el("q", null, text),
    " ",
    el(
      "button",
      {
        attrs: { type: "button", "data-test": "revoke" },
        on: {
          click: async () => {
            for (const grant of (item.dataset.grants ?? "").split(" ").filter(Boolean)) {
              try {
                await connection.request("consent.revoke", { grant });
              } catch (failure) {
                replace(error, describe(failure));
              }
            }
          },
        },
      },
      tn("customer.withdraw"),
    ),
    error,
  );
  return item;
}

/** Enters `place`; where that fails, says why and offers the join form. */
async function enterOrOffer(place: Place): Promise<void> {
  replace(main, el("p", { class: "status", attrs: { role: "status" } }, tn("common.loading")));
  try {
    await enter(place);
  } catch (failure) {
    keepPlace(null);
    replace(main, el("p", { class: "error", attrs: { role: "alert" } }, t("join.rejoin_failed", { reason: describe(failure) })), joinForm());
  }
}

function boot(): void {
  applyDocumentLanguage();
  const relabelAll = () => {
    relabel();
    panelsShown?.relabel();
  };
  replace(root, el("header", { class: "top" }, el("span", { class: "brand" }, tn("app.name")), el("span", { class: "spacer" }), languageSwitch(relabelAll)), main);
  const place = savedPlace();
  const fromLink = numberFromPath().replace(/\D/g, "");
  if (place && (!fromLink || fromLink === place.session)) {
    // Just joined on another page (a queue's entry page): in at once, as
    // after this page's own join.
    if (takeEnterNow(place.session)) void enterOrOffer(place);
    else replace(main, rejoinCard(place));
  } else {
    replace(main, joinForm());
  }
}

boot();
