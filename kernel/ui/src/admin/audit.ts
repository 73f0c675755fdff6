// The site's audit log: what its admins changed (accounts, site settings,
// features), who, when and from where — newest first, with the CSV file
// to download. The details are the kernel's words, as in session reports.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";
import type { StringKey } from "../strings/en";

export interface AuditLine {
  at: string;
  admin: string;
  admin_name: string;
  from: string;
  action: string;
  detail: string;
}

/** The kind of change in the reader's language (the kernel's word when it is new). */
function actionLabel(action: string): string {
  const known: Record<string, StringKey> = {
    "account.created": "admin.audit_account_created",
    "account.changed": "admin.audit_account_changed",
    "site.changed": "admin.audit_site_changed",
    "account.password_reset": "admin.audit_password_reset",
    "account.disabled": "admin.audit_account_disabled",
    "account.enabled": "admin.audit_account_enabled",
    "account.deleted": "admin.audit_account_deleted",
    "account.two_factor_reset": "admin.audit_two_factor_reset",
    "plugin.command": "admin.audit_plugin_command",
  };
  const key = known[action];
  return key ? t(key) : action;
}

/** The lines as a table (or the words for none). */
export function auditTable(lines: AuditLine[]): HTMLElement {
  if (lines.length === 0) return el("p", { class: "hint", attrs: { "data-test": "audit-empty" } }, tn("admin.audit_empty"));
  return el(
    "table",
    { class: "audit", attrs: { "data-test": "audit-lines", "aria-label": t("admin.audit") } },
    el(
      "thead",
      null,
      el(
        "tr",
        null,
        el("th", { attrs: { scope: "col" } }, tn("admin.audit_when")),
        el("th", { attrs: { scope: "col" } }, tn("admin.audit_who")),
        el("th", { attrs: { scope: "col" } }, tn("admin.audit_from")),
        el("th", { attrs: { scope: "col" } }, tn("admin.audit_what")),
      ),
    ),
    el(
      "tbody",
      null,
      ...lines.map((line) =>
        el(
          "tr",
          { attrs: { "data-test": "audit-line" } },
          el("td", { class: "nowrap" }, el("time", { attrs: { datetime: line.at } }, new Date(line.at).toLocaleString())),
          el("td", null, `${line.admin_name} (${line.admin})`),
          el("td", null, line.from),
          el("td", null, el("strong", null, actionLabel(line.action)), " ", line.detail),
        ),
      ),
    ),
  );
}

export async function auditSection(): Promise<HTMLElement> {
  const body = el("div", { attrs: { "data-test": "audit-body" } });
  const load = async () => {
    try {
      const log = await api.get<{ lines: AuditLine[] }>("/api/admin/audit");
      replace(body, auditTable(log.lines));
    } catch (error) {
      replace(body, el("p", { class: "error", attrs: { role: "alert" } }, describe(error)));
    }
  };
  await load();
  return el(
    "section",
    { class: "card", attrs: { "data-test": "admin-audit" } },
    el("h2", null, tn("admin.audit")),
    el(
      "div",
      { class: "toolbar" },
      el("button", { attrs: { type: "button", "data-test": "audit-refresh" }, on: { click: () => void load() } }, tn("admin.audit_refresh")),
      el("a", { attrs: { href: "/api/admin/audit?format=csv", download: "", "data-test": "audit-download" } }, tn("admin.audit_download")),
    ),
    body,
  );
}
