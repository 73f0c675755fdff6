// @vitest-environment happy-dom
// Two-factor sign-in in the console: setting it up shows the QR code as an
// image (never as markup), confirms with a code and shows the recovery
// codes once; the sign-in form asks for a code when the kernel says so.
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n";
import { seriousViolations, settle } from "../test/dom";
import { signInForm, type Account } from "./signin";
import { setUpTwoFactor, twoFactorRequiredCard } from "./two_factor";

const account: Account = {
  id: 1,
  username: "anna",
  display_name: "Anna Berg",
  email: "",
  site: "default",
  role: "csr",
  webacd_agent: false,
  session_mode: null,
  disabled: false,
  must_change_password: false,
  two_factor: true,
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => {
  vi.unstubAllGlobals();
  setLocale("en");
});

describe("setting up two-factor sign-in", () => {
  it("shows the code as an image and the key, confirms, and shows the recovery codes once", async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.hacked = true</script></svg>';
    const calls: { url: string; body: unknown }[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, body: init.body ? JSON.parse(String(init.body)) : undefined });
        if (url.endsWith("/start")) return json({ secret: "JBSWY3DPEHPK3PXP", otpauth_url: "otpauth://totp/Tether:anna?secret=JBSWY3DPEHPK3PXP", qr_svg: svg });
        return json({ recovery_codes: ["AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH"], account });
      }),
    );
    const done: Account[] = [];
    const area = setUpTwoFactor((a) => done.push(a));
    document.body.replaceChildren(area);
    area.querySelector<HTMLButtonElement>('[data-test="two-factor-start"]')?.click();
    await settle();
    const image = area.querySelector<HTMLImageElement>('[data-test="two-factor-qr"]');
    expect(image?.src.startsWith("data:image/svg+xml")).toBe(true);
    expect(image?.alt).toBe("QR code for your authenticator app");
    expect(area.querySelector("svg")).toBeNull();
    expect(area.querySelector('[data-test="two-factor-secret"]')?.textContent).toBe("JBSWY3DPEHPK3PXP");
    expect(await seriousViolations()).toEqual([]);

    const code = area.querySelector<HTMLInputElement>('[data-test="two-factor-code"]');
    if (!code) throw new Error("no code field");
    code.value = "123456";
    code.form?.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(calls[1]).toEqual({ url: "/api/auth/two-factor/confirm", body: { code: "123456" } });
    const shown = [...area.querySelectorAll('[data-test="recovery-codes"] li')].map((li) => li.textContent);
    expect(shown).toEqual(["AAAA-BBBB-CCCC-DDDD", "EEEE-FFFF-GGGG-HHHH"]);
    expect(done).toEqual([]);
    area.querySelector<HTMLButtonElement>('[data-test="two-factor-done"]')?.click();
    expect(done).toEqual([account]);
  });

  it("says a wrong code in the reader's language", async () => {
    setLocale("da");
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) =>
        url.endsWith("/start")
          ? json({ secret: "JBSWY3DPEHPK3PXP", otpauth_url: "otpauth://x", qr_svg: "<svg/>" })
          : json({ code: "forbidden", error: "the code is wrong or expired", detail: { key: "wrong_two_factor_code" } }, 403),
      ),
    );
    const card = twoFactorRequiredCard(() => undefined, () => undefined);
    document.body.replaceChildren(card);
    expect(card.querySelector("h1")?.textContent).toBe("Opsæt totrinslogin");
    card.querySelector<HTMLButtonElement>('[data-test="two-factor-start"]')?.click();
    await settle();
    const code = card.querySelector<HTMLInputElement>('[data-test="two-factor-code"]');
    if (!code) throw new Error("no code field");
    code.value = "000000";
    code.form?.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(card.querySelector('[data-test="two-factor-status"]')?.textContent).toContain("koden er forkert eller udløbet");
    expect(await seriousViolations()).toEqual([]);
  });
});

describe("signing in with a second factor", () => {
  it("asks for the code when the kernel says the account has one, then sends it", async () => {
    const bodies: Record<string, unknown>[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_url: string, init: RequestInit) => {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        bodies.push(body);
        return body.code
          ? json({ account, csrf_token: "csrf" })
          : json({ code: "forbidden", error: "enter the code from your authenticator app, or a recovery code", detail: { key: "two_factor_code_needed" } }, 403);
      }),
    );
    const signedIn: Account[] = [];
    const form = signInForm((a) => signedIn.push(a));
    document.body.replaceChildren(form);
    const field = (test: string) => form.querySelector<HTMLInputElement>(`[data-test="${test}"]`);
    const codeBox = field("signin-code")?.parentElement;
    expect(codeBox?.hidden).toBe(true);
    (field("signin-user") as HTMLInputElement).value = "anna";
    (field("signin-password") as HTMLInputElement).value = "correct horse battery";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(codeBox?.hidden).toBe(false);
    expect(form.querySelector('[data-test="signin-error"]')?.textContent).toBe("enter the code from your authenticator app, or a recovery code");
    expect(await seriousViolations()).toEqual([]);
    (field("signin-code") as HTMLInputElement).value = "123 456";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(bodies[1]).toEqual({ username: "anna", password: "correct horse battery", code: "123 456" });
    expect(signedIn).toEqual([account]);
  });
});
