import { describe, expect, it } from "vitest";
import { en } from "../strings/en";
import { format, LOCALES, pickLocale } from "./i18n";

/** Words, not counting placeholders and punctuation. */
const words = (text: string) =>
  text.replace(/\{\w+\}/g, "").split(/\s+/).filter((w) => /^\p{L}{2,}/u.test(w)).length;

const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();

describe("dictionaries", () => {
  for (const [code, table] of Object.entries(LOCALES)) {
    it(`${code} has every key with the same placeholders as English`, () => {
      expect(Object.keys(table).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        expect(placeholders(table[key]), `${code} ${key}`).toEqual(placeholders(en[key]));
        expect(table[key].trim(), `${code} ${key}`).not.toBe("");
      }
    });
  }

  it("the translations are translated, not copies of English", () => {
    for (const code of ["da", "fr", "ja"] as const) {
      const same = (Object.keys(en) as (keyof typeof en)[]).filter(
        (key) => LOCALES[code][key] === en[key] && words(en[key]) >= 3,
      );
      // Single words may be the same ("Session" in French); sentences not.
      expect(same, code).toEqual([]);
    }
  });
});

describe("language choice", () => {
  it("takes the first language Tether speaks", () => {
    expect(pickLocale(["de-DE", "ja-JP", "en"])).toBe("ja");
    expect(pickLocale(["da"])).toBe("da");
    expect(pickLocale(["fr-CA"])).toBe("fr");
    expect(pickLocale(["de", "es"])).toBe("en");
    expect(pickLocale([])).toBe("en");
  });

  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format("{name} joined", { name: "Carl" })).toBe("Carl joined");
    expect(format("{name} and {other}", { name: "A" })).toBe("A and {other}");
    expect(format("{name}", { name: "<b>x</b>" })).toBe("<b>x</b>");
  });
});
