// @vitest-environment happy-dom
// Offers to the CSR (`offer.made`): shown as alert dialogs that take
// focus, with a countdown, answered with `offer.answer`, the reply or the
// refusal said; taken away by `offer.withdrawn` saying why.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n";
import { KernelError } from "../lib/socket";
import { seriousViolations } from "../test/dom";
import { OfferBoard, refusalText, replyText, secondsLeft, withdrawnText, type OfferMade } from "./offers";

const waiting: OfferMade = {
  offer: 7,
  plugin: "webacd",
  session: "123456789",
  title: "Waiting customer: Ann",
  text: "Queue: support\nMy printer prints nothing",
  expires_in_ms: 30_000,
};

function board(answer: (offer: number, accept: boolean) => Promise<unknown> = async () => null) {
  const calls: [number, boolean][] = [];
  const offers = new OfferBoard({
    answer: (offer, accept) => {
      calls.push([offer, accept]);
      return answer(offer, accept);
    },
    pluginName: (plugin) => (plugin === "webacd" ? "WebACD" : plugin),
  });
  const before = document.createElement("textarea");
  before.setAttribute("aria-label", "Chat");
  document.body.replaceChildren(document.createElement("main"), offers.element);
  document.querySelector("main")?.append(Object.assign(document.createElement("h1"), { textContent: "Console" }), before);
  before.focus();
  return { offers, calls, before };
}

const card = (offer = 7) => document.querySelector<HTMLElement>(`[data-test="offer"][data-offer="${offer}"]`);
const part = (name: string, offer = 7) => card(offer)?.querySelector<HTMLElement>(`[data-test="${name}"]`) ?? null;

beforeEach(() => {
  setLocale("en");
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  setLocale("en");
});

describe("an offer", () => {
  it("is an alert dialog with the plugin's title and text, who offers it, the session and the time left, and takes focus", async () => {
    const { offers } = board();
    offers.made(waiting);
    const dialog = card();
    expect(dialog?.getAttribute("role")).toBe("alertdialog");
    expect(document.getElementById(dialog?.getAttribute("aria-labelledby") ?? "")?.textContent).toBe("Waiting customer: Ann");
    expect(document.getElementById(dialog?.getAttribute("aria-describedby") ?? "")?.textContent).toBe("Queue: support\nMy printer prints nothing");
    expect(part("offer-plugin")?.textContent).toBe("Offered by WebACD");
    expect(part("offer-session")?.textContent).toBe("Session 123 456 789");
    expect(part("offer-countdown")?.textContent).toBe("30 s left to answer");
    expect(part("offer-countdown")?.getAttribute("role")).toBe("timer");
    expect(document.activeElement).toBe(dialog);
    expect(offers.element.getAttribute("aria-label")).toBe("Offers");
    vi.useRealTimers();
    expect(await seriousViolations()).toEqual([]);
  });

  it("counts down each second, then says the time is up", () => {
    const { offers } = board();
    offers.made({ ...waiting, expires_in_ms: 2500 });
    expect(part("offer-countdown")?.textContent).toBe("3 s left to answer");
    vi.advanceTimersByTime(1000);
    expect(part("offer-countdown")?.textContent).toBe("2 s left to answer");
    vi.advanceTimersByTime(2000);
    expect(part("offer-countdown")?.textContent).toBe("The time to answer is up.");
  });

  it("shows plain text as text (a plugin's title is never markup)", () => {
    const { offers } = board();
    offers.made({ ...waiting, title: "<img src=x onerror=alert(1)>" });
    expect(part("offer-title")?.textContent).toBe("<img src=x onerror=alert(1)>");
    expect(card()?.querySelector("img")).toBeNull();
  });

  it("accepted: answers it, goes, says so with the plugin's words, and focus goes back", async () => {
    const { offers, calls, before } = board(async () => ({ message: "Ann is yours." }));
    offers.made(waiting);
    part("offer-accept")?.click();
    expect(calls).toEqual([[7, true]]);
    await vi.advanceTimersByTimeAsync(10);
    expect(card()).toBeNull();
    const status = document.querySelector('[data-test="offers-status"]');
    expect(status?.getAttribute("role")).toBe("status");
    expect(status?.textContent).toBe("You accepted “Waiting customer: Ann”. Ann is yours.");
    expect(document.activeElement).toBe(before);
    expect(offers.open).toEqual([]);
  });

  it("declined: answers it once, goes, says so", async () => {
    const { offers, calls } = board();
    offers.made(waiting);
    part("offer-decline")?.click();
    part("offer-decline")?.click();
    await vi.advanceTimersByTimeAsync(10);
    expect(calls).toEqual([[7, false]]);
    expect(card()).toBeNull();
    expect(document.querySelector('[data-test="offers-status"]')?.textContent).toBe("You declined “Waiting customer: Ann”.");
  });

  it("refused because another CSR was quicker: the plugin's words, no more answering, dismissed by hand", async () => {
    const { offers, before } = board(async () => {
      throw new KernelError("forbidden", "Another agent has already taken this customer.");
    });
    offers.made(waiting);
    part("offer-accept")?.click();
    await vi.advanceTimersByTimeAsync(10);
    expect(part("offer-error")?.textContent).toBe("Another agent has already taken this customer.");
    expect(part("offer-error")?.getAttribute("role")).toBe("alert");
    expect(part("offer-accept")).toBeNull();
    expect(part("offer-decline")).toBeNull();
    const dismiss = part("offer-dismiss");
    expect(document.activeElement).toBe(dismiss);
    vi.useRealTimers();
    expect(await seriousViolations()).toEqual([]);
    dismiss?.click();
    expect(card()).toBeNull();
    expect(document.activeElement).toBe(before);
  });

  it("withdrawn: goes, saying it was not answered in time or the plugin's reason", () => {
    const { offers, before } = board();
    offers.made(waiting);
    offers.made({ ...waiting, offer: 8, title: "Transfer: Bo" });
    expect(offers.open).toEqual([7, 8]);
    // Focus stays on the first offer; the second is next in line.
    offers.withdrawn({ offer: 7, expired: true, reason: "" });
    expect(card(7)).toBeNull();
    expect(document.querySelector('[data-test="offers-status"]')?.textContent).toBe("“Waiting customer: Ann” was not answered in time.");
    expect(document.activeElement).toBe(card(8));
    offers.withdrawn({ offer: 8, expired: false, reason: "Another agent accepted." });
    expect(document.querySelector('[data-test="offers-status"]')?.textContent).toBe("“Transfer: Bo” was withdrawn: Another agent accepted.");
    expect(document.activeElement).toBe(before);
    // One the console does not show: nothing happens.
    offers.withdrawn({ offer: 99, expired: true, reason: "" });
    expect(document.querySelector('[data-test="offers-status"]')?.textContent).toBe("“Transfer: Bo” was withdrawn: Another agent accepted.");
  });

  it("is shown once however often it is made, and all go when the connection does", () => {
    const { offers } = board();
    offers.made(waiting);
    offers.made(waiting);
    expect(document.querySelectorAll('[data-test="offer"]').length).toBe(1);
    offers.made({ ...waiting, offer: 8, session: undefined });
    expect(part("offer-session", 8)).toBeNull();
    offers.clear();
    expect(document.querySelectorAll('[data-test="offer"]').length).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("is said in the console's language", () => {
    setLocale("ja");
    const { offers } = board();
    offers.made(waiting);
    expect(part("offer-accept")?.textContent).toBe("承諾");
    expect(part("offer-decline")?.textContent).toBe("辞退");
    expect(part("offer-countdown")?.textContent).toBe("回答まで残り 30 秒");
    expect(part("offer-plugin")?.textContent).toBe("WebACD からのオファー");
  });
});

describe("what an offer's end says", () => {
  it("counts whole seconds up, never below zero", () => {
    expect(secondsLeft(10_000, 0)).toBe(10);
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
    expect(secondsLeft(10_000, 20_000)).toBe(0);
  });

  it("takes a plugin's reply as words where it is words", () => {
    expect(replyText(" Taken. ")).toBe("Taken.");
    expect(replyText({ message: "Ann is yours." })).toBe("Ann is yours.");
    expect(replyText({ session: "1" })).toBe("");
    expect(replyText(null)).toBe("");
    expect(replyText(3)).toBe("");
  });

  it("says the plugin's refusal as it is, the kernel's in the console's language", () => {
    expect(refusalText(new KernelError("forbidden", "Another agent has already taken this customer."))).toBe("Another agent has already taken this customer.");
    expect(refusalText(new KernelError("unavailable", "not connected"))).toBe("Not available right now (not connected)");
    expect(refusalText(new KernelError("not_found", "", { key: "unknown_session", params: { number: "1" } }))).toBe("Not found (no support session 1 is running)");
  });

  it("says why it was withdrawn", () => {
    expect(withdrawnText("T", { offer: 1, expired: true, reason: "ignored" })).toBe("“T” was not answered in time.");
    expect(withdrawnText("T", { offer: 1, expired: false, reason: " " })).toBe("“T” was withdrawn.");
    expect(withdrawnText("T", { offer: 1, expired: false, reason: "The customer left." })).toBe("“T” was withdrawn: The customer left.");
  });
});
