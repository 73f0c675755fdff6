// The session details report: every join, leave, consent answer, plugin
// action and script log, timestamped; viewable here, downloadable as text.

import { api } from "../lib/api";
import { el, replace, spacedNumber } from "../lib/dom";
import { describe } from "../lib/errors";
import { tn } from "../lib/i18n";

interface Report {
  session: string;
  status: string;
  started_at: string;
  ended_at: string | null;
  events: { at: string; kind: string; actor: string; detail: string }[];
}

export async function openReportDialog(number: string): Promise<void> {
  // A scrollable region keyboard users can reach and scroll, named by the
  // dialog's heading.
  const body = el(
    "div",
    { class: "report-body", attrs: { tabindex: "0", role: "region", "aria-labelledby": "report-title" } },
    tn("common.loading"),
  );
  const path = `/api/sessions/${encodeURIComponent(number)}/report`;
  const dialog = el(
    "dialog",
    { class: "report", attrs: { "data-test": "report-dialog", "aria-labelledby": "report-title" } },
    el("h2", { attrs: { id: "report-title" } }, tn("report.title", { number: spacedNumber(number) })),
    body,
    el(
      "div",
      { class: "toolbar end" },
      el("a", { class: "button", attrs: { href: `${path}?format=text`, download: `session-${number}.txt`, "data-test": "report-download" } }, tn("report.download")),
      el("button", { attrs: { type: "button" }, on: { click: () => dialog.close() } }, tn("common.close")),
    ),
  );
  dialog.addEventListener("close", () => dialog.remove());
  document.body.appendChild(dialog);
  dialog.showModal();
  try {
    const report = await api.get<Report>(path);
    replace(
      body,
      el(
        "table",
        { attrs: { "data-test": "report-table" } },
        el("thead", null, el("tr", null, el("th", null, tn("report.time")), el("th", null, tn("report.event")), el("th", null, tn("report.who")), el("th", null, tn("report.detail")))),
        el(
          "tbody",
          null,
          ...report.events.map((entry) =>
            el(
              "tr",
              null,
              el("td", { class: "nowrap" }, new Date(entry.at).toLocaleString()),
              el("td", null, entry.kind),
              el("td", null, entry.actor),
              el("td", null, entry.detail),
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    replace(body, el("p", { class: "error" }, describe(error)));
  }
}
