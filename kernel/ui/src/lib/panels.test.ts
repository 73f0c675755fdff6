// The page side of the panel bridge that needs no page: what a panel is
// told about its plugin's streams, and the answer to `panel.agentCode()`.
import { describe, expect, it } from "vitest";
import { agentCodeResult, closedEvent, controlEvent, openedEvent } from "./panels";
import { KernelError } from "./socket";
import type { StreamInfo } from "./streams";

const shown: StreamInfo = {
  session: "111",
  stream: 7,
  plugin: "app-share",
  source: "p-anna",
  capability: "app.share",
  label: "xterm",
  origin: "csr_agent",
  controller: "p-carl",
};

describe("what a panel is told about a stream", () => {
  it("opened: who shows it (by name where the page knows it), where from, and who controls it", () => {
    expect(openedEvent(shown, "Anna Berg")).toEqual({
      type: "opened",
      stream: 7,
      source: "p-anna",
      source_name: "Anna Berg",
      capability: "app.share",
      label: "xterm",
      origin: "csr_agent",
      controller: "p-carl",
    });
    expect(openedEvent(shown)).not.toHaveProperty("source_name");
  });

  it("control: the new controller, or nobody", () => {
    expect(controlEvent(7, "p-carl")).toEqual({ type: "control", stream: 7, controller: "p-carl" });
    expect(controlEvent(7, null)).toEqual({ type: "control", stream: 7, controller: null });
  });

  it("closed: why, and what it was where the page knew it", () => {
    expect(closedEvent(7, "stopped", shown)).toEqual({
      type: "closed",
      stream: 7,
      reason: "stopped",
      source: "p-anna",
      capability: "app.share",
      label: "xterm",
      origin: "csr_agent",
    });
    expect(closedEvent(8, "stopped")).toEqual({ type: "closed", stream: 8, reason: "stopped" });
  });
});

describe("panel.agentCode()", () => {
  it("answers with the code and how long it lasts, and nothing else of the reply", async () => {
    const ask = () => Promise.resolve({ code: "1234 5678", expires_in_secs: 600, participant: "p-anna" });
    expect(await agentCodeResult(3, ask)).toEqual({
      type: "result",
      id: 3,
      ok: true,
      value: { code: "1234 5678", expires_in_secs: 600 },
    });
  });

  it("passes on the kernel's refusal (an assistant asking), with its code", async () => {
    const ask = () => Promise.reject(new KernelError("forbidden", "only the session's host may do that"));
    expect(await agentCodeResult(4, ask)).toEqual({
      type: "result",
      id: 4,
      ok: false,
      error: { code: "forbidden", message: "only the session's host may do that" },
    });
  });

  it("says the kernel's detail in the page's language where it sent one", async () => {
    const ask = () => Promise.reject(new KernelError("forbidden", "not the host", { key: "not_host" }));
    const result = await agentCodeResult(5, ask);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("forbidden");
      expect(result.error.message).not.toBe("not the host");
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  });

  it("refuses where the page has no session to ask for", async () => {
    const result = await agentCodeResult(6, undefined);
    expect(result).toMatchObject({ type: "result", id: 6, ok: false, error: { code: "unavailable" } });
  });

  it("refuses a reply without a code rather than hand the panel nonsense", async () => {
    const ask = () => Promise.resolve({ expires_in_secs: 600 } as unknown as { code: string; expires_in_secs: number });
    expect(await agentCodeResult(7, ask)).toMatchObject({ ok: false, error: { code: "internal" } });
  });
});
