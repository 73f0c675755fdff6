// Localisation: every user-facing string comes from a dictionary. The
// language is the browser's first supported one until the user picks
// another with the switch; the choice is remembered in this browser.

import { en, type StringKey } from "../strings/en";
import { da } from "../strings/da";
import { fr } from "../strings/fr";
import { ja } from "../strings/ja";
import { el } from "./dom";

export type Locale = "en" | "da" | "fr" | "ja";

export const LOCALES: Record<Locale, Record<StringKey, string>> = { en, da, fr, ja };

/** Each language's name in that language, for the switch. */
const NATIVE_NAMES: Record<Locale, string> = {
  en: "English",
  da: "Dansk",
  fr: "Français",
  ja: "日本語",
};

const STORAGE_KEY = "tether.locale";

function isLocale(value: string | null | undefined): value is Locale {
  return value === "en" || value === "da" || value === "fr" || value === "ja";
}

/** The first of `preferred` (browser language tags) that Tether speaks. */
export function pickLocale(preferred: readonly string[]): Locale {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLocale(base)) return base;
  }
  return "en";
}

let current: Locale = detect();

function detect(): Locale {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (isLocale(saved)) return saved;
  } catch {
    // Storage may be off (private mode); fall back to the browser's choice.
  }
  if (typeof navigator === "undefined") return "en";
  return pickLocale(navigator.languages ?? [navigator.language]);
}

export function locale(): Locale {
  return current;
}

/** Fills `{name}` placeholders; unknown placeholders stay visible. */
export function format(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The string `key` in the current language. */
export function t(key: StringKey, params?: Record<string, string | number>): string {
  return tIn(current, key, params);
}

/** The string `key` in `language` (an invitation in the language chosen for it). */
export function tIn(language: Locale, key: StringKey, params?: Record<string, string | number>): string {
  return format(LOCALES[language][key] ?? en[key], params);
}

/** Each language Tether speaks, by its name in that language. */
export function languageNames(): [Locale, string][] {
  return Object.entries(NATIVE_NAMES) as [Locale, string][];
}

/** A language switch; choosing a language re-renders through `onChange`. */
export function languageSwitch(onChange: () => void): HTMLSelectElement {
  const select = el(
    "select",
    { class: "language", attrs: { "aria-label": t("language.label"), "data-test": "language" } },
    ...(Object.keys(NATIVE_NAMES) as Locale[]).map((code) =>
      el("option", { props: { value: code, selected: code === current } }, NATIVE_NAMES[code]),
    ),
  );
  select.addEventListener("change", () => {
    if (!isLocale(select.value)) return;
    setLocale(select.value);
    applyDocumentLanguage();
    onChange();
  });
  return select;
}

/** Makes `language` the current one and remembers it in this browser. */
export function setLocale(language: Locale): void {
  current = language;
  try {
    localStorage.setItem(STORAGE_KEY, current);
  } catch {
    // Not remembered; the choice still applies to this page.
  }
}

/** Sets `<html lang>` and the window title for the current language. */
export function applyDocumentLanguage(): void {
  document.documentElement.lang = current;
  document.title = t("app.title");
}

interface LiveText {
  node: WeakRef<Text>;
  key: StringKey;
  params?: Record<string, string | number>;
}

interface LiveAttribute {
  element: WeakRef<Element>;
  name: string;
  key: StringKey;
  params?: Record<string, string | number>;
}

interface LiveComputed {
  node: WeakRef<Text>;
  compute: () => string;
}

let liveTexts: LiveText[] = [];
let liveAttributes: LiveAttribute[] = [];
let liveComputed: LiveComputed[] = [];

/**
 * A text node showing what `compute` gives in the current language (words
 * the kernel sent in several languages, a detail with its values), worked
 * out again when the language changes.
 */
export function tc(compute: () => string): Text {
  const node = document.createTextNode(compute());
  liveComputed.push({ node: new WeakRef(node), compute });
  return node;
}

/** `texts[language]` for the current language, `fallback` (English) where there is none. */
export function inLanguage(texts: { [language in string]?: string } | undefined, fallback: string): string {
  return texts?.[current] ?? fallback;
}

/**
 * A text node showing `key`, re-translated when the language changes, so
 * switching language keeps open sessions, chat and panels as they are.
 */
export function tn(key: StringKey, params?: Record<string, string | number>): Text {
  const node = document.createTextNode(t(key, params));
  liveTexts.push({ node: new WeakRef(node), key, params });
  return node;
}

/** Sets attribute `name` (placeholder, title, aria-label) to `key`, kept translated. */
export function tAttr<E extends Element>(
  element: E,
  name: string,
  key: StringKey,
  params?: Record<string, string | number>,
): E {
  element.setAttribute(name, t(key, params));
  liveAttributes.push({ element: new WeakRef(element), name, key, params });
  return element;
}

/** Re-translates every live text and attribute into the current language. */
export function relabel(): void {
  liveTexts = liveTexts.filter((entry) => {
    const node = entry.node.deref();
    if (node) node.data = t(entry.key, entry.params);
    return node !== undefined;
  });
  liveAttributes = liveAttributes.filter((entry) => {
    const element = entry.element.deref();
    if (element) element.setAttribute(entry.name, t(entry.key, entry.params));
    return element !== undefined;
  });
  liveComputed = liveComputed.filter((entry) => {
    const node = entry.node.deref();
    if (node) node.data = entry.compute();
    return node !== undefined;
  });
}
