import { afterEach, describe as group, expect, it } from "vitest";
import { DETAIL_KEYS, detailOf, detailStringKey } from "./detail";
import { describe, detailOr } from "./errors";
import { LOCALES, setLocale } from "./i18n";
import { KernelError } from "./socket";

afterEach(() => setLocale("en"));

group("refusal details", () => {
  it("every detail the kernel can send has its words in every language", () => {
    for (const [code, table] of Object.entries(LOCALES)) {
      for (const key of Object.keys(DETAIL_KEYS) as (keyof typeof DETAIL_KEYS)[]) {
        expect(table[detailStringKey(key)]?.trim(), `${code} ${key}`).toBeTruthy();
      }
    }
  });

  it("are said in the reader's language with the kernel's values", () => {
    const refused = new KernelError("rate_limited", "too many attempts to join; try again in 42 seconds", {
      key: "too_many_join_attempts",
      params: { seconds: 42 },
    });
    expect(describe(refused)).toBe("Too many attempts; wait a moment (too many attempts to join; try again in 42 seconds)");
    setLocale("da");
    expect(describe(refused)).toBe("For mange forsøg; vent et øjeblik (for mange forsøg på at deltage; prøv igen om 42 sekunder)");
    setLocale("fr");
    expect(describe(refused)).toContain("réessayez dans 42 secondes");
    setLocale("ja");
    expect(describe(refused)).toBe("試行回数が多すぎます。しばらくお待ちください (参加の試行が多すぎます。42 秒後にもう一度お試しください)");
  });

  it("keep values as they were sent, never translated", () => {
    setLocale("fr");
    const refused = new KernelError("malformed", "`carl@` is not a valid mail address", {
      key: "invalid_mail_address",
      params: { address: "carl@" },
    });
    expect(describe(refused)).toContain("`carl@` n’est pas une adresse e-mail valide");
  });

  it("fall back to the kernel's English where there is no detail or one this UI does not know", () => {
    setLocale("ja");
    expect(describe(new KernelError("internal", "disk on fire"))).toContain("(disk on fire)");
    expect(detailOf({ key: "teleported" })).toBeUndefined();
    expect(detailOf({ key: "not_host", params: 3 })).toBeUndefined();
    expect(detailOf("not_host")).toBeUndefined();
    expect(detailOr({ key: "teleported" }, "ended by Anna")).toBe("ended by Anna");
    expect(detailOr({ key: "ended_by", params: { name: "Anna" } }, "ended by Anna")).toBe("Anna による終了");
  });

  it("reach the UI from REST and WebSocket refusals alike", () => {
    // REST: `{code, error, detail}`; the socket: `{code, message, detail}`.
    const detail = detailOf({ key: "unknown_session", params: { number: "123456789" } });
    expect(detail).toEqual({ key: "unknown_session", params: { number: "123456789" } });
    setLocale("da");
    expect(describe(new KernelError("not_found", "no support session 123456789 is running", detail))).toBe(
      "Ikke fundet (der kører ingen supportsession 123456789)",
    );
  });
});
