import { afterEach, describe as group, expect, it } from "vitest";
import { ACTIVITY_ENDS, DETAIL_KEYS, activityEndStringKey, detailOf, detailStringKey } from "./detail";
import { describe, detailOr } from "./errors";
import { LOCALES, setLocale } from "./i18n";
import type { Detail } from "./protocol.gen";
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

  it("every reason for ending an activity has its words in every language", () => {
    for (const [code, table] of Object.entries(LOCALES)) {
      for (const reason of Object.keys(ACTIVITY_ENDS) as (keyof typeof ACTIVITY_ENDS)[]) {
        expect(table[activityEndStringKey(reason)]?.trim(), `${code} ${reason}`).toBeTruthy();
      }
    }
  });

  // What the kernel's English says for each (kernel/src tests check the
  // kernel says the same), and the other languages' words for it.
  const said: [Detail, string, string, string, string][] = [
    [{ key: "message_empty" }, "the message is empty", "beskeden er tom", "le message est vide", "メッセージが空です"],
    [
      { key: "message_too_long", params: { chars: 4001, limit: 4000 } },
      "the message has 4001 characters; the limit is 4000",
      "beskeden har 4001 tegn; grænsen er 4000",
      "le message compte 4001 caractères ; la limite est de 4000",
      "メッセージは 4001 文字です。上限は 4000 文字です",
    ],
    [
      { key: "plugin_busy", params: { plugin: "sysinfo" } },
      "plugin `sysinfo` is busy: too many events are running; try again",
      "pluginet `sysinfo` har travlt: der kører for mange hændelser; prøv igen",
      "l’extension `sysinfo` est occupée : trop d’événements sont en cours ; réessayez",
      "プラグイン `sysinfo` は処理中のイベントが多すぎて混み合っています。もう一度お試しください",
    ],
    [
      { key: "plugin_crashed", params: { plugin: "echo", message: "index out of bounds" } },
      "plugin `echo` crashed: index out of bounds",
      "pluginet `echo` gik ned: index out of bounds",
      "l’extension `echo` a planté : index out of bounds",
      "プラグイン `echo` がクラッシュしました: index out of bounds",
    ],
    [
      { key: "site_max_customers", params: { min: 1 } },
      "the maximum number of customers must be a whole number of at least 1",
      "det maksimale antal kunder skal være et helt tal på mindst 1",
      "le nombre maximal de clients doit être un nombre entier d’au moins 1",
      "顧客の最大数は 1 以上の整数にしてください",
    ],
    [
      { key: "activity_stopped", params: { capability: "script.run", reason: "control_passed" } },
      "Stopped `script.run`: control passed to another CSR.",
      "Stoppede `script.run`: kontrollen blev overdraget til en anden CSR.",
      "Arrêt de `script.run` : le contrôle a été passé à un autre CSR.",
      "`script.run` を停止しました: 制御が別の CSR に渡されました。",
    ],
    [
      { key: "activity_undone", params: { capability: "account.logon", reason: "session_ended" } },
      "Undid `account.logon`: the session ended.",
      "Fortrød `account.logon`: sessionen sluttede.",
      "Annulation de `account.logon` : la session est terminée.",
      "`account.logon` を元に戻しました: セッションが終了しました。",
    ],
    [
      { key: "csrf_token_missing" },
      "the request lacks this sign-in's CSRF token (X-CSRF-Token header); reload the page",
      "anmodningen mangler dette logins CSRF-token (headeren X-CSRF-Token); genindlæs siden",
      "il manque à la requête le jeton CSRF de cette connexion (en-tête X-CSRF-Token) ; rechargez la page",
      "リクエストにこのサインインの CSRF トークン（X-CSRF-Token ヘッダー）がありません。ページを再読み込みしてください",
    ],
  ];

  it("the new ones are said in each language, values as sent", () => {
    for (const [detail, en, da, fr, ja] of said) {
      for (const [code, words] of [["en", en], ["da", da], ["fr", fr], ["ja", ja]] as const) {
        setLocale(code);
        expect(detailOr(detail, "fallback"), `${code} ${detail.key}`).toBe(words);
      }
    }
  });

  it("an activity ended for a reason this UI has no words for is the kernel's English", () => {
    setLocale("da");
    const unknown = { key: "activity_stopped", params: { capability: "script.run", reason: "moon_phase" } };
    expect(detailOf(unknown)).toBeUndefined();
    expect(detailOr(unknown, "Stopped `script.run`: the moon.")).toBe("Stopped `script.run`: the moon.");
    // Saying a detail leaves it as it came.
    const detail: Detail = { key: "activity_stopped", params: { capability: "script.run", reason: "control_passed" } };
    detailOr(detail, "");
    expect(detail.params.reason).toBe("control_passed");
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
