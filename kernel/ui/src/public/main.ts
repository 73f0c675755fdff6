// The host of a plugin's public page (`location = "public"`: a queue's
// entry page), served by the kernel at `/{path}/{site}/{page}` to anyone,
// signed in or not. It frames the plugin's public panel as the customer
// page frames customer panels — sandboxed, through the same bridge — with
// the context `{location: "public", plugin, site, page, language}`; the
// panel's commands go to the plugin as public commands (./bridge.ts), and
// a reply that joined the customer to a session takes them to the
// customer page, which connects at once.

import { api } from "../lib/api";
import { el, replace } from "../lib/dom";
import { applyDocumentLanguage, languageSwitch, relabel, tc, tn } from "../lib/i18n";
import { PanelFrame, panelTitle } from "../lib/panels";
import { handOverPlace } from "../customer/place";
import { publicCommandSender } from "./bridge";
import { readPublicContext, publicPanelSpec } from "./context";

const root = document.getElementById("app") as HTMLElement;
const main = el("main", { class: "public" });

function boot(): void {
  applyDocumentLanguage();
  const context = readPublicContext();
  let frame: PanelFrame | null = null;
  const relabelAll = () => {
    relabel();
    frame?.relabel();
    if (frame) document.title = panelTitle(frame.spec);
  };
  replace(root, el("header", { class: "top" }, el("span", { class: "brand" }, tn("app.name")), el("span", { class: "spacer" }), languageSwitch(relabelAll)), main);
  if (!context) {
    replace(main, el("div", { class: "card", attrs: { "data-test": "public-unavailable" } }, el("h1", null, tn("public.unavailable")), el("p", null, tn("public.unavailable_help"))));
    return;
  }
  const spec = publicPanelSpec(context);
  const problem = el("p", { class: "error", attrs: { role: "alert", "data-test": "public-error" } });
  const send = publicCommandSender(context, {
    post: (path, body) => api.post(path, body),
    handOver: (place) => handOverPlace(place),
    navigate: (path) => window.location.assign(path),
    notKept: () => replace(problem, tn("public.place_not_kept")),
  });
  frame = new PanelFrame(spec, send, { location: "public", site: context.site, page: context.page });
  document.title = panelTitle(spec);
  replace(
    main,
    el(
      "section",
      { class: "public-panel", attrs: { "data-test": "public-panel", "data-plugin": spec.plugin } },
      el("h1", null, tc(() => panelTitle(spec))),
      problem,
      frame.iframe,
    ),
  );
}

boot();
