// The page side of the panel bridge that needs no page: what a panel is
// told about its plugin's streams, and the answer to `panel.agentCode()`.
import { describe, expect, it } from "vitest";
import { agentCodeResult, closedEvent, controlEvent, openedEvent, panelContextFor, panelsAt, type PanelSpec } from "./panels";
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

describe("where a site's panels go", () => {
  const plugins = [
    {
      id: "webacd",
      panels: [
        { id: "queues", title: "WebACD", titles: {}, location: "console", entry: "console.html" },
        { id: "transfer", title: "Transfer session", titles: {}, location: "csr-menu", entry: "transfer.html" },
        { id: "entry", title: "Queue", titles: {}, location: "public", entry: "public.html" },
      ],
    },
    { id: "sysinfo", panels: [{ id: "info", title: "System", titles: {}, location: "csr", entry: "index.html" }] },
  ];

  it("picks the panels of one location, with their plugin", () => {
    expect(panelsAt(plugins, "csr-menu")).toEqual([{ id: "transfer", title: "Transfer session", titles: {}, location: "csr-menu", entry: "transfer.html", plugin: "webacd" }]);
    expect(panelsAt(plugins, "csr").map((p) => p.plugin)).toEqual(["sysinfo"]);
    expect(panelsAt(plugins, "admin")).toEqual([]);
  });
});

describe("the context a panel is told", () => {
  const spec = (location: string): PanelSpec => ({ plugin: "webacd", id: "x", title: "Queue", titles: { ja: "待ち行列" }, location, entry: "x.html" });

  it("in a session or on a console page: as before, and where it is shown", () => {
    const context = { session: "123", customer: null, role: "host", user: { username: "carl", display_name: "Carl" }, join_link: "https://s.example/join/123" };
    expect(panelContextFor(spec("csr-menu"), context, "ja")).toEqual({ ...context, location: "csr-menu", locale: "ja", plugin: "webacd", title: "待ち行列" });
    expect(panelContextFor(spec("console"), { session: null, customer: null, role: "csr", user: null }, "en")).toMatchObject({ location: "console", session: null, join_link: null, title: "Queue" });
  });

  it("on a public page: its plugin, site, page and language, nothing of a session", () => {
    expect(panelContextFor(spec("public"), { location: "public", site: "default", page: "support" }, "da")).toEqual({
      location: "public",
      plugin: "webacd",
      site: "default",
      page: "support",
      language: "da",
      locale: "da",
      title: "Queue",
    });
  });
});
