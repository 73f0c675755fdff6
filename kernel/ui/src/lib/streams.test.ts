import { describe, expect, it } from "vitest";
import { checkPanelFrame, frameHeader, incomingStream, StreamTable, type DropReason, type StreamInfo } from "./streams";

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
