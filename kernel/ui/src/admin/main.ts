// The site admin's pages: site settings (name, session mode, maximum
// customers per CSR, enabled features), accounts, the admin panels
// plugins contribute (script categories, …) in sandboxed iframes, and the
// audit log of what the site's admins changed.

import { api, setCsrfToken } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { applyDocumentLanguage, languageSwitch, relabel, t, tn } from "../lib/i18n";
import { PanelFrame, panelTitle, sitePanels } from "../lib/panels";
import type { Account } from "../console/signin";
import { accountsSection } from "./accounts";
import { auditSection } from "./audit";
import { siteSection } from "./site";

const root = document.getElementById("app") as HTMLElement;

/** Admin panels send their commands over REST (uploads may exceed a WebSocket message). */
function sendOverRest(plugin: string, name: string, payload: unknown): Promise<unknown> {
  return api.post(`/api/plugins/${encodeURIComponent(plugin)}/commands`, { name, payload });
}

/** The admin panels shown, with their headings, so a language switch reaches them. */
const shownPanels: { frame: PanelFrame; heading: HTMLElement }[] = [];

/** Language switched: the page's own texts, then each panel and its heading. */
function relabelAll(): void {
  relabel();
  for (const { frame, heading } of shownPanels) {
    heading.textContent = panelTitle(frame.spec);
    frame.relabel();
  }
}

async function pluginPanels(account: Account): Promise<HTMLElement> {
  const section = el("section", { class: "card", attrs: { "data-test": "admin-plugin-panels" } }, el("h2", null, tn("admin.plugin_settings")));
  try {
    for (const spec of await sitePanels(account.site, "admin")) {
      const frame = new PanelFrame(spec, sendOverRest, {
        session: null,
        customer: null,
        role: "admin",
        user: { username: account.username, display_name: account.display_name },
        site: account.site,
      });
      frame.iframe.classList.add("admin-panel");
      const heading = el("h3", null, panelTitle(spec));
      shownPanels.push({ frame, heading });
      section.append(heading, frame.iframe);
    }
  } catch (error) {
    section.append(el("p", { class: "error" }, describe(error)));
  }
  return section;
}

async function boot(): Promise<void> {
  applyDocumentLanguage();
  const main = el("main", { class: "admin" });
  replace(
    root,
    el(
      "header",
      { class: "top" },
      el("span", { class: "brand" }, tn("app.name")),
      el("span", null, tn("admin.title")),
      el("span", { class: "spacer" }),
      el("a", { attrs: { href: "/", "data-test": "back-to-console" } }, tn("admin.back")),
      languageSwitch(relabelAll),
    ),
    main,
  );
  let account: Account;
  try {
    const me = await api.get<{ account: Account; csrf_token: string }>("/api/auth/me");
    setCsrfToken(me.csrf_token);
    account = me.account;
  } catch {
    window.location.href = "/";
    return;
  }
  if (account.role !== "admin") {
    replace(main, el("p", { class: "card error", attrs: { "data-test": "admin-refused" } }, t("admin.only_admins")));
    return;
  }
  replace(main, el("h1", null, tn("admin.title")), await siteSection(), await accountsSection(account), await pluginPanels(account), await auditSection());
}

void boot();
