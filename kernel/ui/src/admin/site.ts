// Site settings: name, session mode, maximum customers per CSR, who must
// sign in with a second factor, how long session reports are kept, and
// the features (plugins) enabled on the site. Saved as one change.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { describe } from "../lib/errors";
import { t, tn } from "../lib/i18n";

interface SiteSettings {
  id: string;
  name: string;
  plugins: string[];
  all_plugins: boolean;
  available: { id: string; name: string; description: string }[];
  session_mode: "single" | "multi";
  max_customers_per_csr: number;
  two_factor: "optional" | "admins" | "everyone";
  report_retention_days: number;
}

export async function siteSection(): Promise<HTMLElement> {
  const section = el("section", { class: "card", attrs: { "data-test": "admin-site" } }, el("h2", null, tn("admin.site")));
  let site: SiteSettings;
  try {
    site = await api.get<SiteSettings>("/api/admin/site");
  } catch (error) {
    section.append(el("p", { class: "error" }, describe(error)));
    return section;
  }
  const name = el("input", { attrs: { id: "site-name", "data-test": "site-name" }, props: { value: site.name } });
  const mode = el(
    "select",
    { attrs: { id: "site-mode", "data-test": "site-mode" } },
    el("option", { props: { value: "single", selected: site.session_mode === "single" } }, tn("admin.mode_single")),
    el("option", { props: { value: "multi", selected: site.session_mode === "multi" } }, tn("admin.mode_multi")),
  );
  const max = el("input", {
    attrs: { id: "site-max", type: "number", min: "1", max: "100", "data-test": "site-max" },
    props: { value: String(site.max_customers_per_csr) },
  });
  const twoFactor = el(
    "select",
    { attrs: { id: "site-two-factor", "data-test": "site-two-factor" } },
    el("option", { props: { value: "optional", selected: site.two_factor === "optional" } }, tn("admin.two_factor_optional")),
    el("option", { props: { value: "admins", selected: site.two_factor === "admins" } }, tn("admin.two_factor_admins")),
    el("option", { props: { value: "everyone", selected: site.two_factor === "everyone" } }, tn("admin.two_factor_everyone")),
  );
  const retention = el("input", {
    attrs: { id: "site-retention", type: "number", min: "0", max: "36500", "data-test": "site-retention", "aria-describedby": "site-retention-hint" },
    props: { value: String(site.report_retention_days) },
  });
  const all = el("input", { attrs: { type: "checkbox", "data-test": "site-all-plugins" }, props: { checked: site.all_plugins } });
  const boxes = site.available.map((plugin) => ({
    id: plugin.id,
    box: el("input", {
      attrs: { type: "checkbox", "data-test": `site-plugin-${plugin.id}` },
      props: { checked: site.all_plugins || site.plugins.includes(plugin.id), disabled: site.all_plugins },
    }),
    plugin,
  }));
  all.addEventListener("change", () => boxes.forEach(({ box }) => (box.disabled = all.checked)));
  const status = el("p", { class: "status", attrs: { role: "status", "data-test": "site-status" } });
  const save = async () => {
    status.className = "status";
    replace(status);
    try {
      await api.put("/api/admin/site", {
        name: name.value,
        session_mode: mode.value,
        max_customers_per_csr: Number(max.value),
        two_factor: twoFactor.value,
        report_retention_days: Number(retention.value),
        plugins: all.checked ? ["*"] : boxes.filter(({ box }) => box.checked).map(({ id }) => id),
      });
      replace(status, t("common.saved"));
    } catch (error) {
      status.className = "status error";
      replace(status, describe(error));
    }
  };
  section.append(
    el("label", { attrs: { for: "site-name" } }, tn("admin.site_name")),
    name,
    el("label", { attrs: { for: "site-mode" } }, tn("admin.session_mode")),
    mode,
    el("label", { attrs: { for: "site-max" } }, tn("admin.max_customers")),
    max,
    el("label", { attrs: { for: "site-two-factor" } }, tn("admin.two_factor")),
    twoFactor,
    el("label", { attrs: { for: "site-retention" } }, tn("admin.retention")),
    retention,
    el("p", { class: "hint", attrs: { id: "site-retention-hint" } }, tn("admin.retention_hint")),
    el("h3", null, tn("admin.plugins")),
    el(
      "div",
      { class: "plugin-list" },
      el("label", { class: "inline" }, all, tn("admin.all_plugins")),
      ...boxes.map(({ box, plugin }) =>
        el("label", { class: "inline", attrs: { title: plugin.description } }, box, el("strong", null, plugin.name), el("span", { class: "hint" }, plugin.description)),
      ),
    ),
    el("div", { class: "toolbar" }, el("button", { class: "primary", attrs: { type: "button", "data-test": "site-save" }, on: { click: save } }, tn("common.save"))),
    status,
  );
  return section;
}
