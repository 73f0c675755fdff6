// What the kernel tells the public page host about the page it serves at
// `/{path}/{site}/{page}`: a JSON object in the page itself,
// `<script type="application/json" id="tether-public">` (a data block, not
// a script: the page's Content-Security-Policy allows no inline script),
// with the plugin, site, page and the plugin's public panel (`entry`,
// `title`, `titles` by language).

import type { PanelSpec } from "../lib/panels";

/** The element the kernel fills in `public.html`. */
export const CONTEXT_ELEMENT_ID = "tether-public";

export interface PublicPageContext {
  plugin: string;
  site: string;
  /** What follows the panel's path and the site in the address (a queue's name). */
  page: string;
  /** The panel's file, served at `/plugin-ui/{plugin}/{entry}`. */
  entry: string;
  title: string;
  titles: Record<string, string>;
}

const nonEmpty = (value: unknown): value is string => typeof value === "string" && value.length > 0;

/** A relative path of plain segments (no `.`, `..` or empty ones), which the frame's address keeps inside the plugin's folder. */
function plainPath(value: string): boolean {
  return !value.startsWith("/") && value.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}

/** The context in `text` (the element's content), or `null` where it is missing or not whole. */
export function parsePublicContext(text: string | null | undefined): PublicPageContext | null {
  if (!text || !text.trim()) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { plugin, site, page, entry, title, titles } = value as Record<string, unknown>;
  if (!nonEmpty(plugin) || !nonEmpty(site) || !nonEmpty(page) || !nonEmpty(entry) || !plainPath(entry)) return null;
  const byLanguage: Record<string, string> = {};
  if (typeof titles === "object" && titles !== null) {
    for (const [language, text] of Object.entries(titles)) if (nonEmpty(text)) byLanguage[language] = text;
  }
  return { plugin, site, page, entry, title: nonEmpty(title) ? title : plugin, titles: byLanguage };
}

/** The context the kernel put in `doc`, if it did. */
export function readPublicContext(doc: Document = document): PublicPageContext | null {
  return parsePublicContext(doc.getElementById(CONTEXT_ELEMENT_ID)?.textContent);
}

/** The plugin's public panel, as the panel bridge knows panels. */
export function publicPanelSpec(context: PublicPageContext): PanelSpec {
  return { plugin: context.plugin, id: "public", title: context.title, titles: context.titles, location: "public", entry: context.entry };
}
