// Session history: the CSR's own sessions (a site admin's: all of the
// site's), newest first, searched by dates, CSR, customer name and how
// they ended; each opens its session details report.

import { api } from "../lib/api";
import { el, replace, spacedNumber } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { StringKey } from "../strings/en";
import { openReportDialog } from "./report";

export interface HistoryEntry {
  number: string;
  started_at: string;
  ended_at: string | null;
  status: "active" | "ended";
  outcome: string | null;
  reason: string | null;
  csrs: string[];
  customers: string[];
}

/** The outcomes searched by, with their words (the kernel's `storage::outcome`). */
export const OUTCOMES: [string, StringKey][] = [
  ["running", "history.outcome_running"],
  ["ended_by_host", "history.outcome_ended_by_host"],
  ["host_did_not_return", "history.outcome_host_did_not_return"],
  ["customer_left_waiting", "history.outcome_customer_left_waiting"],
  ["account_closed", "history.outcome_account_closed"],
  ["server_restarted", "history.outcome_server_restarted"],
  ["server_stopped", "history.outcome_server_stopped"],
  ["not_recorded", "history.outcome_not_recorded"],
];

/** How a session ended (or that it runs), in the reader's language. */
export function outcomeText(entry: HistoryEntry): string {
  const wanted = entry.status === "active" ? "running" : entry.outcome;
  const known = OUTCOMES.find(([outcome]) => outcome === wanted);
  return known ? t(known[1]) : entry.reason ?? "";
}

/** The results as a table (or the words for none). */
export function historyTable(entries: HistoryEntry[]): HTMLElement {
  if (entries.length === 0) return el("p", { class: "hint", attrs: { "data-test": "history-empty" } }, tn("history.none"));
  const time = (iso: string | null) => (iso ? el("time", { attrs: { datetime: iso } }, new Date(iso).toLocaleString()) : "");
  return el(
    "table",
    { attrs: { "data-test": "history-table", "aria-label": t("history.title") } },
    el(
      "thead",
      null,
      el(
        "tr",
        null,
        ...(["history.session", "history.started", "history.ended", "history.csrs", "history.customers", "history.outcome", "history.report"] as const).map((key) =>
          el("th", { attrs: { scope: "col" } }, tn(key)),
        ),
      ),
    ),
    el(
      "tbody",
      null,
      ...entries.map((entry) =>
        el(
          "tr",
          { attrs: { "data-test": "history-row", "data-session": entry.number } },
          el("td", { class: "nowrap" }, spacedNumber(entry.number)),
          el("td", { class: "nowrap" }, time(entry.started_at)),
          el("td", { class: "nowrap" }, time(entry.ended_at)),
          el("td", null, entry.csrs.join(", ")),
          el("td", null, entry.customers.join(", ")),
          el("td", { attrs: { title: entry.reason ?? "" } }, outcomeText(entry)),
          el(
            "td",
            null,
            el(
              "button",
              { attrs: { type: "button", "data-test": "history-report" }, on: { click: () => void openReportDialog(entry.number) } },
              tn("history.open_report"),
              el("span", { class: "visually-hidden" }, ` (${spacedNumber(entry.number)})`),
            ),
          ),
        ),
      ),
    ),
  );
}

/** The history page: the search form and what it found. */
export function historyView(): HTMLElement {
  const field = (id: string, type = "text") => el("input", { attrs: { id, type, "data-test": id } });
  const from = field("history-from", "date");
  const to = field("history-to", "date");
  const csr = field("history-csr");
  const customer = field("history-customer");
  const outcome = el(
    "select",
    { attrs: { id: "history-outcome", "data-test": "history-outcome" } },
    el("option", { props: { value: "" } }, tn("history.outcome_any")),
    ...OUTCOMES.map(([value, key]) => el("option", { props: { value } }, tn(key))),
  );
  const results = el("div", { attrs: { "data-test": "history-results", "aria-live": "polite" } });
  const search = async () => {
    const query = new URLSearchParams();
    for (const [name, input] of [
      ["from", from],
      ["to", to],
      ["csr", csr],
      ["customer", customer],
      ["outcome", outcome],
    ] as const) {
      if (input.value.trim()) query.set(name, input.value.trim());
    }
    try {
      const answer = await api.get<{ sessions: HistoryEntry[] }>(`/api/sessions/history?${query}`);
      replace(results, historyTable(answer.sessions));
    } catch (error) {
      replace(results, el("p", { class: "error", attrs: { role: "alert" } }, describe(error)));
    }
  };
  const label = (id: string, key: StringKey) => el("label", { attrs: { for: id } }, tn(key));
  const form = el(
    "form",
    {
      class: "history-search",
      attrs: { role: "search", "data-test": "history-search" },
      on: {
        submit: (event) => {
          event.preventDefault();
          void search();
        },
      },
    },
    el("div", null, label("history-from", "history.from"), from),
    el("div", null, label("history-to", "history.to"), to),
    el("div", null, label("history-csr", "history.csr"), csr),
    el("div", null, label("history-customer", "history.customer"), customer),
    el("div", null, label("history-outcome", "history.outcome"), outcome),
    el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "submit", "data-test": "history-submit" } }, tn("history.search"))),
  );
  void search();
  return el("section", { class: "history", attrs: { "data-test": "history-view" } }, el("h1", null, tn("history.title")), form, results);
}
