// @vitest-environment happy-dom
// A public panel's commands, from the panel's `command` message to the
// kernel's public command endpoint and back: the panel gets the plugin's
// reply only; a join is kept as the customer page keeps its own and the
// customer is taken to the customer page.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PanelFrame } from "../lib/panels";
import { KernelError } from "../lib/socket";
import type { PublicCommand } from "../lib/protocol.gen";
import type { Place } from "../customer/place";
import { panelWindow, quietFrames } from "../test/dom";
import { commandPath, joinPath, publicCommandSender, readPublicReply, type PublicBridgeOptions } from "./bridge";
import { publicPanelSpec, type PublicPageContext } from "./context";

const context: PublicPageContext = { plugin: "webacd", site: "north side", page: "support", entry: "public.html", title: "Queue", titles: {} };
const join = { session: "123456789", participant: "p-ann", token: "secret-token" };

interface Recorded extends PublicBridgeOptions {
  posted: { path: string; body: PublicCommand }[];
  kept: Place[];
  went: string[];
  notKeptCount: number;
}

function options(answer: () => Promise<unknown>, keeps = true): Recorded {
  const recorded: Recorded = {
    posted: [],
    kept: [],
    went: [],
    notKeptCount: 0,
    post: (path, body) => {
      recorded.posted.push({ path, body });
      return answer();
    },
    handOver: (place) => {
      recorded.kept.push(place);
      return keeps;
    },
    navigate: (path) => void recorded.went.push(path),
    notKept: () => void (recorded.notKeptCount += 1),
  };
  return recorded;
}

beforeEach(() => {
  quietFrames();
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("a public command", () => {
  it("goes to the plugin's public endpoint on the page's site, with the page", async () => {
    const recorded = options(async () => ({ reply: { position: 3 } }));
    const send = publicCommandSender(context, recorded);
    expect(await send("webacd", "queue.status", { x: 1 })).toEqual({ position: 3 });
    expect(recorded.posted).toEqual([{ path: "/api/public/webacd/north%20side/commands", body: { name: "queue.status", page: "support", payload: { x: 1 } } }]);
    expect(commandPath(context)).toBe("/api/public/webacd/north%20side/commands");
    await vi.runAllTimersAsync();
    expect(recorded.kept).toEqual([]);
    expect(recorded.went).toEqual([]);
  });

  it("with a join: the panel gets the reply only, the place is kept, then the customer page opens", async () => {
    const recorded = options(async () => ({ reply: { queued: true }, join }));
    const send = publicCommandSender(context, recorded);
    const reply = await send("webacd", "queue.enter", { name: "Ann", problem: "printer" });
    expect(reply).toEqual({ queued: true });
    expect(JSON.stringify(reply)).not.toContain("secret-token");
    expect(recorded.kept).toEqual([{ session: "123456789", participant: "p-ann", token: "secret-token", name: "" }]);
    // Not before the panel has its answer.
    expect(recorded.went).toEqual([]);
    await vi.runAllTimersAsync();
    expect(recorded.went).toEqual(["/join/123456789"]);
    expect(joinPath("12 3")).toBe("/join/12%203");
  });

  it("with a join this browser cannot keep: said, and no going to a page that could not connect", async () => {
    const recorded = options(async () => ({ reply: null, join }), false);
    await publicCommandSender(context, recorded)("webacd", "queue.enter", {});
    await vi.runAllTimersAsync();
    expect(recorded.notKeptCount).toBe(1);
    expect(recorded.went).toEqual([]);
  });

  it("refused by the kernel or the plugin: the refusal goes to the panel, nothing is kept", async () => {
    const refusal = new KernelError("rate_limited", "too many");
    const recorded = options(async () => {
      throw refusal;
    });
    await expect(publicCommandSender(context, recorded)("webacd", "queue.enter", {})).rejects.toBe(refusal);
    await vi.runAllTimersAsync();
    expect(recorded.kept).toEqual([]);
    expect(recorded.went).toEqual([]);
  });

  it("answered with something that is not a reply: an internal error, nothing kept", async () => {
    for (const body of [null, "ok", { join }, { reply: 1, join: { session: "1", participant: "p" } }, { reply: 1, join: { ...join, token: "" } }]) {
      const recorded = options(async () => body);
      await expect(publicCommandSender(context, recorded)("webacd", "x", {}), JSON.stringify(body)).rejects.toMatchObject({ code: "internal" });
      expect(recorded.kept).toEqual([]);
    }
    expect(readPublicReply({ reply: null })).toEqual({ reply: null });
    expect(readPublicReply({ reply: 2, join: null })).toEqual({ reply: 2 });
  });
});

describe("the public panel's frame", () => {
  it("is told its public context and nothing of a session", () => {
    const frame = new PanelFrame(publicPanelSpec(context), async () => null, { location: "public", site: context.site, page: context.page });
    const posted = panelWindow(frame.iframe);
    frame.receive({ tether: 1, type: "ready" });
    expect(posted[0]).toEqual({
      tether: 1,
      type: "context",
      context: { location: "public", plugin: "webacd", site: "north side", page: "support", language: "en", locale: "en", title: "Queue" },
    });
    frame.destroy();
  });

  it("hands the panel's command to the bridge and posts back the reply only", async () => {
    const recorded = options(async () => ({ reply: { queued: true }, join }));
    const frame = new PanelFrame(publicPanelSpec(context), publicCommandSender(context, recorded), { location: "public", site: context.site, page: context.page });
    const posted = panelWindow(frame.iframe);
    frame.receive({ tether: 1, type: "command", id: 4, name: "queue.enter", payload: { name: "Ann" } });
    await vi.runAllTimersAsync();
    expect(posted).toEqual([{ tether: 1, type: "result", id: 4, ok: true, value: { queued: true } }]);
    expect(recorded.went).toEqual(["/join/123456789"]);
    // No session: no helper code, and nothing to capture.
    frame.receive({ tether: 1, type: "agent_code", id: 5 });
    await vi.runAllTimersAsync();
    expect(posted[1]).toMatchObject({ type: "result", id: 5, ok: false, error: { code: "unavailable" } });
    frame.destroy();
  });
});
