// @vitest-environment happy-dom
// The public page's context, as the kernel writes it into the page.
import { describe, expect, it } from "vitest";
import { CONTEXT_ELEMENT_ID, parsePublicContext, publicPanelSpec, readPublicContext } from "./context";

const whole = { plugin: "webacd", site: "default", page: "support", entry: "public.html", title: "Support queue", titles: { ja: "サポート待ち行列" } };

describe("the public page's context", () => {
  it("is read whole", () => {
    expect(parsePublicContext(JSON.stringify(whole))).toEqual(whole);
  });

  it("is read from the page's data block", () => {
    const block = document.createElement("script");
    block.type = "application/json";
    block.id = CONTEXT_ELEMENT_ID;
    block.textContent = JSON.stringify(whole);
    document.body.appendChild(block);
    expect(readPublicContext()).toEqual(whole);
    // Left empty, as public.html has it before the kernel fills it.
    block.textContent = "";
    expect(readPublicContext()).toBeNull();
    block.remove();
    expect(readPublicContext()).toBeNull();
  });

  it("is none where a part is missing, empty or of the wrong kind", () => {
    for (const field of ["plugin", "site", "page", "entry"] as const) {
      const { [field]: _left, ...rest } = whole;
      expect(parsePublicContext(JSON.stringify(rest)), field).toBeNull();
      expect(parsePublicContext(JSON.stringify({ ...whole, [field]: "" })), field).toBeNull();
      expect(parsePublicContext(JSON.stringify({ ...whole, [field]: 7 })), field).toBeNull();
    }
    for (const text of [undefined, null, "", "  ", "{", "[]", "null", '"webacd"']) {
      expect(parsePublicContext(text as string | null | undefined), String(text)).toBeNull();
    }
  });

  it("names no panel file outside the plugin's folder", () => {
    for (const entry of ["../admin.html", "ui/../../x.html", "/etc/passwd", "a//b.html", "./public.html"]) {
      expect(parsePublicContext(JSON.stringify({ ...whole, entry })), entry).toBeNull();
    }
    expect(parsePublicContext(JSON.stringify({ ...whole, entry: "ui/public.html" }))?.entry).toBe("ui/public.html");
  });

  it("falls back to the plugin for a missing title and keeps only titles that are words", () => {
    const context = parsePublicContext(JSON.stringify({ ...whole, title: "", titles: { da: "Kø", fr: 3, ja: "" } }));
    expect(context?.title).toBe("webacd");
    expect(context?.titles).toEqual({ da: "Kø" });
    expect(parsePublicContext(JSON.stringify({ ...whole, titles: "x" }))?.titles).toEqual({});
  });

  it("makes the plugin's public panel", () => {
    expect(publicPanelSpec(whole)).toEqual({
      plugin: "webacd",
      id: "public",
      title: "Support queue",
      titles: { ja: "サポート待ち行列" },
      location: "public",
      entry: "public.html",
    });
  });
});
