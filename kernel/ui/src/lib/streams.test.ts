import { describe, expect, it } from "vitest";
import {
  checkConsolePanelFrame,
  checkCustomerPanelFrame,
  checkPanelFrame,
  frameHeader,
  incomingStream,
  isCsrOrigin,
  routeCustomerFrame,
  streamInfo,
  StreamTable,
  type DropReason,
  type StreamInfo,
  type StreamOrigin,
} from "./streams";

interface FrameSpec {
  version?: number;
  kind?: number;
  flags?: number;
  reserved?: number;
  stream?: number;
  sequence?: number;
  payload?: number;
}

/** A frame as bytes: the 12-byte header and `payload` bytes of 0x41. */
function frame({ version = 1, kind = 3, flags = 0, reserved = 0, stream = 7, sequence = 1, payload = 0 }: FrameSpec = {}): ArrayBuffer {
  const buffer = new ArrayBuffer(12 + payload);
  const view = new DataView(buffer);
  view.setUint8(0, version);
  view.setUint8(1, kind);
  view.setUint8(2, flags);
  view.setUint8(3, reserved);
  view.setUint32(4, stream);
  view.setUint32(8, sequence);
  new Uint8Array(buffer, 12).fill(0x41);
  return buffer;
}

const OPEN = new Set([7, 0x01020304]);

describe("frames a panel may send", () => {
  const allowed: [string, ArrayBuffer][] = [
    ["an acknowledgement", frame({ kind: 3 })],
    ["a keyframe request without payload", frame({ kind: 4 })],
    ["a keyframe request saying what the viewer decodes", frame({ kind: 4, payload: 1 })],
    ["input of the largest size", frame({ kind: 2, payload: 1024 })],
    ["small input", frame({ kind: 2, payload: 30 })],
    ["a stream id using all four bytes", frame({ kind: 3, stream: 0x01020304 })],
    ["the keyframe flag", frame({ kind: 4, flags: 1 })],
  ];
  for (const [what, bytes] of allowed) {
    it(`sends ${what}`, () => {
      const verdict = checkPanelFrame(bytes, OPEN);
      expect(verdict.ok).toBe(true);
      if (verdict.ok) expect(verdict.frame).toBe(bytes);
    });
  }

  const dropped: [string, unknown, DropReason][] = [
    ["a string", "hello", "not_a_buffer"],
    ["a typed array (not its buffer)", new Uint8Array(frame()), "not_a_buffer"],
    ["nothing", undefined, "not_a_buffer"],
    ["a plain object", { byteLength: 12 }, "not_a_buffer"],
    ["an empty buffer", new ArrayBuffer(0), "too_short"],
    ["eleven bytes", new ArrayBuffer(11), "too_short"],
    ["version 2", frame({ version: 2 }), "version"],
    ["version 0", frame({ version: 0 }), "version"],
    ["a picture (only the source sends those)", frame({ kind: 1, payload: 20 }), "kind"],
    ["kind 0", frame({ kind: 0 }), "kind"],
    ["kind 5", frame({ kind: 5 }), "kind"],
    ["unknown flags", frame({ kind: 3, flags: 2 }), "flags"],
    ["a reserved byte that is not 0", frame({ kind: 3, reserved: 1 }), "reserved"],
    ["a stream this plugin has not open", frame({ kind: 3, stream: 8 }), "stream"],
    ["stream 0", frame({ kind: 3, stream: 0 }), "stream"],
    ["input over 1 KiB", frame({ kind: 2, payload: 1025 }), "too_large"],
    ["an acknowledgement with a payload", frame({ kind: 3, payload: 1 }), "too_large"],
    ["a keyframe request of two bytes", frame({ kind: 4, payload: 2 }), "too_large"],
  ];
  for (const [what, data, reason] of dropped) {
    it(`drops ${what}`, () => {
      expect(checkPanelFrame(data, OPEN)).toEqual({ ok: false, reason });
    });
  }

  it("drops everything when the plugin has no stream open", () => {
    expect(checkPanelFrame(frame({ kind: 3 }), new Set())).toEqual({ ok: false, reason: "stream" });
  });
});

describe("frames from the kernel", () => {
  it("reads the header big-endian", () => {
    expect(frameHeader(frame({ kind: 1, flags: 1, stream: 0x0a0b0c0d, sequence: 0xfffffffe, payload: 3 }))).toEqual({
      version: 1,
      kind: 1,
      flags: 1,
      stream: 0x0a0b0c0d,
      sequence: 0xfffffffe,
    });
    expect(frameHeader(new ArrayBuffer(11))).toBeNull();
  });

  const cases: [string, ArrayBuffer, number | null][] = [
    ["a picture", frame({ kind: 1, stream: 42, payload: 100 }), 42],
    ["a header alone", frame({ kind: 4, stream: 9 }), 9],
    ["another version", frame({ version: 2, stream: 42 }), null],
    ["stream 0", frame({ stream: 0 }), null],
    ["a short frame", new ArrayBuffer(5), null],
  ];
  for (const [what, bytes, stream] of cases) {
    it(`routes ${what} by its stream id`, () => {
      expect(incomingStream(bytes)).toBe(stream);
    });
  }
});

describe("the open streams", () => {
  const opened = (session: string, stream: number, plugin: string): StreamInfo => ({
    session,
    stream,
    plugin,
    source: "p-carl",
    capability: "app.share",
    label: `window ${stream}`,
    origin: "customer_agent",
    controller: null,
  });

  it("keeps each session's streams, by plugin", () => {
    const table = new StreamTable();
    table.opened(opened("111", 1, "app-share"));
    table.opened(opened("111", 2, "other"));
    table.opened(opened("222", 3, "app-share"));
    expect(table.of("111").map((s) => s.stream)).toEqual([1, 2]);
    expect(table.of("111", "app-share").map((s) => s.stream)).toEqual([1]);
    expect([...table.idsOf("222", "app-share")]).toEqual([3]);
    expect([...table.idsOf("222", "other")]).toEqual([]);
    expect(table.get(3)?.label).toBe("window 3");
  });

  it("forgets a closed stream and says what it was", () => {
    const table = new StreamTable();
    table.opened(opened("111", 1, "app-share"));
    expect(table.closed(1)?.label).toBe("window 1");
    expect(table.closed(1)).toBeUndefined();
    expect(table.of("111")).toEqual([]);
  });

  it("forgets a whole session and leaves the others", () => {
    const table = new StreamTable();
    table.opened(opened("111", 1, "app-share"));
    table.opened(opened("111", 2, "app-share"));
    table.opened(opened("222", 3, "app-share"));
    expect(table.forgetSession("111").map((s) => s.stream)).toEqual([1, 2]);
    expect(table.get(1)).toBeUndefined();
    expect(table.of("222").map((s) => s.stream)).toEqual([3]);
  });

  it("keeps its own copy of what it was told", () => {
    const table = new StreamTable();
    const info = opened("111", 1, "app-share");
    table.opened(info);
    info.plugin = "changed";
    expect(table.get(1)?.plugin).toBe("app-share");
  });
});

describe("what a stream's announcement means", () => {
  it("an announcement without origin or controller is a customer's share nobody controls", () => {
    const info = streamInfo({ session: "111", stream: 1, plugin: "app-share", source: "p-carl", capability: "app.share", label: "xterm" });
    expect(info.origin).toBe("customer_agent");
    expect(info.controller).toBeNull();
    expect(streamInfo({ ...info, origin: null, controller: null }).origin).toBe("customer_agent");
  });

  it("a CSR shows what comes from their agent or their browser", () => {
    const table: [StreamOrigin, boolean][] = [
      ["customer_agent", false],
      ["csr_agent", true],
      ["csr_browser", true],
    ];
    for (const [origin, csr] of table) expect(isCsrOrigin(origin), origin).toBe(csr);
  });

  it("keeps who controls a stream, and forgets it with the stream", () => {
    const table = new StreamTable();
    table.opened({ session: "111", stream: 5, plugin: "app-share", source: "p-anna", capability: "app.share", label: "xterm", origin: "csr_agent" });
    expect(table.get(5)?.controller).toBeNull();
    expect(table.control(5, "p-carl")?.controller).toBe("p-carl");
    expect(table.get(5)?.controller).toBe("p-carl");
    expect(table.control(5, null)?.controller).toBeNull();
    table.closed(5);
    expect(table.control(5, "p-carl")).toBeUndefined();
  });
});

/** The customer's page of Carl (`p-carl`) in session 111, and what it knows is open. */
const ME = "p-carl";
function customerTable(): StreamTable {
  const table = new StreamTable();
  const base = { session: "111", plugin: "app-share", capability: "app.share" as const };
  // Carl's own share, which his page does not view.
  table.opened({ ...base, stream: 1, source: ME, label: "Carl's editor", origin: "customer_agent" });
  // Anna (the CSR) shows her xterm from her agent and gave Carl control of it.
  table.opened({ ...base, stream: 2, source: "p-anna", label: "Anna's xterm", origin: "csr_agent", controller: ME });
  // …and a browser tab, never controllable.
  table.opened({ ...base, stream: 3, source: "p-anna", label: "A tab", origin: "csr_browser" });
  // Another application of Anna's, controlled by Dana (another customer).
  table.opened({ ...base, stream: 4, source: "p-anna", label: "Anna's editor", origin: "csr_agent", controller: "p-dana" });
  return table;
}

describe("frames the customer's page passes to its panels", () => {
  const table = customerTable();
  const cases: [string, ArrayBuffer, { plugin: string; stream: number } | string][] = [
    ["a picture of what a CSR's agent shows", frame({ kind: 1, stream: 2, payload: 20 }), { plugin: "app-share", stream: 2 }],
    ["a keyframe of a CSR's browser share", frame({ kind: 1, flags: 1, stream: 3, payload: 20 }), { plugin: "app-share", stream: 3 }],
    ["a picture of a stream someone else controls", frame({ kind: 1, stream: 4, payload: 20 }), { plugin: "app-share", stream: 4 }],
    ["a picture of the customer's own share (the page views none of those)", frame({ kind: 1, stream: 1, payload: 20 }), "not_viewed"],
    ["a frame of a stream the page does not know (closed, or never shown to it)", frame({ kind: 1, stream: 99, payload: 20 }), "unknown_stream"],
    ["an acknowledgement (only sources get those)", frame({ kind: 3, stream: 2 }), "not_a_picture"],
    ["a keyframe request", frame({ kind: 4, stream: 2 }), "not_a_picture"],
    ["input", frame({ kind: 2, stream: 2, payload: 10 }), "not_a_picture"],
    ["another version", frame({ version: 2, kind: 1, stream: 2, payload: 20 }), "not_a_frame"],
    ["a short frame", new ArrayBuffer(6), "not_a_frame"],
  ];
  for (const [what, bytes, expected] of cases) {
    it(typeof expected === "string" ? `drops ${what}` : `passes ${what}`, () => {
      const route = routeCustomerFrame(bytes, table);
      if (typeof expected === "string") {
        expect(route).toEqual({ ok: false, reason: expected });
      } else {
        expect(route.ok).toBe(true);
        if (route.ok) expect({ plugin: route.info.plugin, stream: route.info.stream }).toEqual(expected);
      }
    });
  }

  it("drops the pictures of a stream once it closed", () => {
    const closing = customerTable();
    closing.closed(2);
    expect(routeCustomerFrame(frame({ kind: 1, stream: 2, payload: 20 }), closing)).toEqual({ ok: false, reason: "unknown_stream" });
  });
});

describe("frames a customer panel may send", () => {
  const open = customerTable().of("111", "app-share");
  const allowed: [string, ArrayBuffer][] = [
    ["the first keyframe request (View)", frame({ kind: 4, stream: 2, payload: 1 })],
    ["an acknowledgement of a CSR's picture", frame({ kind: 3, stream: 3 })],
    ["an acknowledgement on a stream someone else controls", frame({ kind: 3, stream: 4 })],
    ["input on the stream this customer controls", frame({ kind: 2, stream: 2, payload: 40 })],
  ];
  for (const [what, bytes] of allowed) {
    it(`sends ${what}`, () => {
      expect(checkCustomerPanelFrame(bytes, open, ME).ok).toBe(true);
    });
  }

  const dropped: [string, unknown, DropReason][] = [
    ["input on a stream another customer controls", frame({ kind: 2, stream: 4, payload: 40 }), "not_in_control"],
    ["input on a browser share (never controllable)", frame({ kind: 2, stream: 3, payload: 40 }), "not_in_control"],
    ["an acknowledgement on the customer's own share", frame({ kind: 3, stream: 1 }), "not_viewed"],
    ["a keyframe request on the customer's own share", frame({ kind: 4, stream: 1 }), "not_viewed"],
    ["a picture (only the source sends those)", frame({ kind: 1, stream: 2, payload: 20 }), "kind"],
    ["a frame on a stream not open", frame({ kind: 3, stream: 99 }), "stream"],
    ["input over 1 KiB", frame({ kind: 2, stream: 2, payload: 1025 }), "too_large"],
    ["a typed array", new Uint8Array(frame({ kind: 3, stream: 2 })), "not_a_buffer"],
  ];
  for (const [what, data, reason] of dropped) {
    it(`drops ${what}`, () => {
      expect(checkCustomerPanelFrame(data, open, ME)).toEqual({ ok: false, reason });
    });
  }

  it("drops input at once when control is taken back", () => {
    const table = customerTable();
    const input = () => frame({ kind: 2, stream: 2, payload: 40 });
    expect(checkCustomerPanelFrame(input(), table.of("111", "app-share"), ME).ok).toBe(true);
    table.control(2, null);
    expect(checkCustomerPanelFrame(input(), table.of("111", "app-share"), ME)).toEqual({ ok: false, reason: "not_in_control" });
    // Another customer's page: never.
    table.control(2, ME);
    expect(checkCustomerPanelFrame(input(), table.of("111", "app-share"), "p-dana")).toEqual({ ok: false, reason: "not_in_control" });
  });
});

describe("frames a console panel may send", () => {
  const base = { session: "111", plugin: "app-share", capability: "app.share" as const, controller: null };
  const open: StreamInfo[] = [
    // Carl shares with Anna's console.
    { ...base, stream: 1, source: "p-carl", label: "Carl's editor", origin: "customer_agent" },
    // Anna's console shares a tab from the browser.
    { ...base, stream: 2, source: "p-anna", label: "A tab", origin: "csr_browser" },
    // Anna shows an application from her agent.
    { ...base, stream: 3, source: "p-anna", label: "xterm", origin: "csr_agent" },
    // Another CSR's browser share.
    { ...base, stream: 4, source: "p-bo", label: "Bo's tab", origin: "csr_browser" },
  ];
  const picture = (stream: number, payload = 100, flags = 1) => frame({ kind: 1, flags, stream, payload });

  const allowed: [string, ArrayBuffer][] = [
    ["a keyframe picture on its own browser share", picture(2)],
    ["a delta picture on its own browser share", picture(2, 100, 0)],
    ["the smallest picture (its prefix)", picture(2, 6)],
    ["the largest picture (4 MiB)", picture(2, 4 * 1024 * 1024)],
    ["an acknowledgement as a viewer", frame({ kind: 3, stream: 1 })],
    ["input as a viewer", frame({ kind: 2, stream: 1, payload: 30 })],
  ];
  for (const [what, bytes] of allowed) {
    it(`sends ${what}`, () => {
      expect(checkConsolePanelFrame(bytes, open, "p-anna").ok).toBe(true);
    });
  }

  const dropped: [string, unknown, DropReason][] = [
    ["a picture on a customer's share", picture(1), "kind"],
    ["a picture on its own agent's stream (the agent sends those)", picture(3), "kind"],
    ["a picture on another CSR's browser share", picture(4), "kind"],
    ["a picture on a stream not open", picture(9), "stream"],
    ["a picture without its prefix", picture(2, 5), "too_short"],
    ["a picture over 4 MiB", picture(2, 4 * 1024 * 1024 + 1), "too_large"],
    ["a picture with unknown flags", picture(2, 100, 2), "flags"],
    ["a picture with a reserved byte", frame({ kind: 1, reserved: 1, stream: 2, payload: 100 }), "reserved"],
    ["a picture of another version", frame({ version: 2, kind: 1, stream: 2, payload: 100 }), "version"],
    ["a string", "picture", "not_a_buffer"],
  ];
  for (const [what, data, reason] of dropped) {
    it(`drops ${what}`, () => {
      expect(checkConsolePanelFrame(data, open, "p-anna")).toEqual({ ok: false, reason });
    });
  }
});
