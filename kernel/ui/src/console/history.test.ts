// @vitest-environment happy-dom
// The session history: the search sends what was filled in, the results
// say how each session ended in the reader's language, names are text.
import { afterEach, describe, expect, it, vi } from "vitest";
import { setLocale } from "../lib/i18n";
import { seriousViolations, settle } from "../test/dom";
import { historyTable, historyView, type HistoryEntry } from "./history";

const entry = (changes: Partial<HistoryEntry> = {}): HistoryEntry => ({
  number: "123456789",
  started_at: "2026-12-02T10:15:00.000Z",
  ended_at: "2026-12-02T10:45:00.000Z",
  status: "ended",
  outcome: "ended_by_host",
  reason: "ended by Anna Berg",
  csrs: ["Anna Berg"],
  customers: ["<b>Carl</b>"],
  ...changes,
});

afterEach(() => {
  vi.unstubAllGlobals();
  setLocale("en");
});

describe("the session history", () => {
  it("searches with what was filled in and lists what it found", async () => {
    const urls: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (url: string) => {
        urls.push(url);
        return new Response(JSON.stringify({ sessions: [entry(), entry({ number: "987654321", status: "active", outcome: null, ended_at: null, reason: null })] }), {
          status: 200,
          headers: { "Content-Type": "application/json" },
        });
      }),
    );
    const view = historyView();
    document.body.replaceChildren(view);
    await settle();
    expect(urls).toEqual(["/api/sessions/history?"]);
    const input = (test: string) => view.querySelector<HTMLInputElement | HTMLSelectElement>(`[data-test="${test}"]`) as HTMLInputElement;
    input("history-from").value = "2026-12-01";
    input("history-customer").value = " Carl ";
    input("history-outcome").value = "ended_by_host";
    view.querySelector("form")?.dispatchEvent(new Event("submit", { cancelable: true }));
    await settle();
    expect(urls[1]).toBe("/api/sessions/history?from=2026-12-01&customer=Carl&outcome=ended_by_host");
    const rows = [...view.querySelectorAll('[data-test="history-row"]')];
    expect(rows.map((row) => row.getAttribute("data-session"))).toEqual(["123456789", "987654321"]);
    const cells = [...rows[0].querySelectorAll("td")].map((td) => td.textContent);
    expect(cells[0]).toBe("123 456 789");
    expect(cells[4]).toBe("<b>Carl</b>");
    expect(rows[0].querySelector("b")).toBeNull();
    expect(cells[5]).toBe("Ended by the CSR");
    expect(rows[1].querySelectorAll("td")[5].textContent).toBe("Running");
    expect(await seriousViolations()).toEqual([]);
  });

  it("says when nothing was found, and how sessions ended, in the reader's language", () => {
    setLocale("fr");
    expect(historyTable([]).textContent).toBe("Aucune session trouvée.");
    expect(historyTable([entry({ outcome: "account_closed" })]).textContent).toContain("Le compte du CSR a été fermé");
    // An outcome this page does not know: the kernel's words.
    expect(historyTable([entry({ outcome: "something_new", reason: "for a new reason" })]).textContent).toContain("for a new reason");
  });
});
