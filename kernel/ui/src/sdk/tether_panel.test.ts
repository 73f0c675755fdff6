// The frame helpers of the panel SDK (sdk/panel/tether-panel.js), run here
// as panels load them (a classic script defining `TetherPanel`), against
// the console's own check of what a panel may send.
import { describe, expect, it } from "vitest";
import "../../../../sdk/panel/tether-panel.js";
import { checkPanelFrame } from "../lib/streams";

interface Frame {
  kind: number;
  keyframe: boolean;
  stream: number;
  sequence: number;
  payload: Uint8Array;
}
interface Frames {
  kinds: Record<string, number>;
  decode(buffer: ArrayBuffer | Uint8Array): Frame;
  encode(frame: { kind: number | string; keyframe?: boolean; stream: number; sequence?: number; payload?: ArrayBuffer | Uint8Array }): ArrayBuffer;
  picture(payload: Uint8Array): { codec: string; width: number; height: number; data: Uint8Array };
}

const frames = (globalThis as unknown as { TetherPanel: { frames: Frames } }).TetherPanel.frames;

const bytes = (buffer: ArrayBuffer) => [...new Uint8Array(buffer)];

describe("TetherPanel.frames", () => {
  it("writes the protocol's header, big-endian", () => {
    const ack = frames.encode({ kind: frames.kinds.ack, stream: 0x01020304, sequence: 0x0a0b0c0d });
    expect(bytes(ack)).toEqual([1, 3, 0, 0, 1, 2, 3, 4, 10, 11, 12, 13]);
    const request = frames.encode({ kind: "keyframeRequest", stream: 9, payload: new Uint8Array([0b10]) });
    expect(bytes(request)).toEqual([1, 4, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 2]);
    const keyframe = frames.encode({ kind: 1, keyframe: true, stream: 1, sequence: 1, payload: new Uint8Array([7]).buffer });
    expect(bytes(keyframe)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
  });

  it("reads back what it wrote", () => {
    const payload = new TextEncoder().encode('{"type":"key","keysym":97,"pressed":true}');
    const input = frames.encode({ kind: "input", stream: 4_000_000_000, sequence: 12, payload });
    const decoded = frames.decode(input);
    expect({ ...decoded, payload: [...decoded.payload] }).toEqual({
      kind: 2,
      keyframe: false,
      stream: 4_000_000_000,
      sequence: 12,
      payload: [...payload],
    });
  });

  it("writes frames the console lets through, on an open stream only", () => {
    const open = new Set([5]);
    for (const frame of [
      frames.encode({ kind: "ack", stream: 5, sequence: 3 }),
      frames.encode({ kind: "keyframeRequest", stream: 5, payload: new Uint8Array([0b11]) }),
      frames.encode({ kind: "input", stream: 5, payload: new Uint8Array(1024) }),
    ]) {
      expect(checkPanelFrame(frame, open).ok).toBe(true);
    }
    expect(checkPanelFrame(frames.encode({ kind: "ack", stream: 6 }), open)).toEqual({ ok: false, reason: "stream" });
    expect(checkPanelFrame(frames.encode({ kind: "picture", stream: 5 }), open)).toEqual({ ok: false, reason: "kind" });
  });

  const badFrames: [string, () => unknown][] = [
    ["an unknown kind", () => frames.encode({ kind: 5, stream: 1 })],
    ["an unknown kind name", () => frames.encode({ kind: "picture-in-picture", stream: 1 })],
    ["stream 0", () => frames.encode({ kind: "ack", stream: 0 })],
    ["a stream id beyond 32 bits", () => frames.encode({ kind: "ack", stream: 2 ** 32 })],
    ["a negative sequence", () => frames.encode({ kind: "ack", stream: 1, sequence: -1 })],
    ["eleven bytes", () => frames.decode(new ArrayBuffer(11))],
    ["version 2", () => frames.decode(new Uint8Array([2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]))],
    ["kind 9", () => frames.decode(new Uint8Array([1, 9, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]))],
  ];
  for (const [what, attempt] of badFrames) {
    it(`refuses ${what}`, () => {
      expect(attempt).toThrow(RangeError);
    });
  }

  it("refuses a payload that is no bytes", () => {
    expect(() => frames.encode({ kind: "ack", stream: 1, payload: "text" as unknown as Uint8Array })).toThrow(TypeError);
  });

  it("reads a picture's codec and size", () => {
    const vp8 = frames.picture(new Uint8Array([1, 0, 0x05, 0x00, 0x02, 0xd0, 0xaa, 0xbb]));
    expect({ ...vp8, data: [...vp8.data] }).toEqual({ codec: "vp8", width: 1280, height: 720, data: [0xaa, 0xbb] });
    const jpeg = frames.picture(new Uint8Array([2, 0, 0, 1, 0, 1]));
    expect({ ...jpeg, data: [...jpeg.data] }).toEqual({ codec: "jpeg", width: 1, height: 1, data: [] });
  });

  const badPictures: [string, number[]][] = [
    ["a short prefix", [1, 0, 0, 1, 0]],
    ["an unknown codec", [3, 0, 0, 1, 0, 1]],
    ["a reserved byte that is not 0", [1, 1, 0, 1, 0, 1]],
    ["no width", [1, 0, 0, 0, 0, 1]],
    ["no height", [2, 0, 0, 1, 0, 0]],
  ];
  for (const [what, payload] of badPictures) {
    it(`refuses a picture with ${what}`, () => {
      expect(() => frames.picture(new Uint8Array(payload))).toThrow(RangeError);
    });
  }
});

// The bridge as a panel sees it: `TetherPanel.connect` in a page whose
// parent (the console or the customer's page) is played by the test — the
// messages it posts are recorded, and what the parent posts is delivered
// as the browser would (a `message` event from `window.parent`).
interface Posted {
  tether: number;
  type: string;
  id?: number;
  [key: string]: unknown;
}
interface Panel {
  agentCode(): Promise<{ code: string; expires_in_secs: number }>;
  captureDisplay(): Promise<{ capture: number; label: string; surface: string }>;
  captureFrame(capture: number, since?: number): Promise<{ frame: number; bitmap?: unknown }>;
  stopCapture(capture: number): Promise<unknown>;
  onCaptureEnded(handler: (event: { capture: number }) => void): void;
  command(name: string, payload?: unknown): Promise<unknown>;
  onStream(handler: (event: Record<string, unknown>) => void): void;
}

function panelPage() {
  const posted: Posted[] = [];
  const listeners: ((event: { source: unknown; data: unknown }) => void)[] = [];
  const parent = { postMessage: (message: Posted) => posted.push(message) };
  const main = { firstChild: null, insertBefore: () => undefined };
  const fakeWindow = {
    parent,
    addEventListener: (type: string, listener: (event: { source: unknown; data: unknown }) => void) => {
      if (type === "message") listeners.push(listener);
    },
  };
  const fakeDocument = {
    title: "Share applications",
    documentElement: { lang: "" },
    querySelector: (selector: string) => (selector === "main" ? main : null),
    createElement: () => ({ className: "", textContent: "" }),
  };
  const globals = globalThis as unknown as Record<string, unknown>;
  globals.window = fakeWindow;
  globals.document = fakeDocument;
  const tether = (globalThis as unknown as { TetherPanel: { connect(options: unknown): Panel } }).TetherPanel;
  const panel = tether.connect({ strings: { en: {} } });
  return {
    panel,
    posted,
    /** The parent posts `data` (a bridge message) to the panel. */
    deliver(data: Record<string, unknown>, source: unknown = parent) {
      for (const listener of listeners) listener({ source, data: { tether: 1, ...data } });
    },
    done() {
      delete globals.window;
      delete globals.document;
    },
  };
}

describe("panel.agentCode()", () => {
  it("asks the page and resolves with the code it answers", async () => {
    const page = panelPage();
    try {
      expect(page.posted).toEqual([{ tether: 1, type: "ready" }]);
      const code = page.panel.agentCode();
      const asked = page.posted[1];
      expect(asked).toEqual({ tether: 1, type: "agent_code", id: asked.id });
      page.deliver({ type: "result", id: asked.id, ok: true, value: { code: "1234 5678", expires_in_secs: 600 } });
      await expect(code).resolves.toEqual({ code: "1234 5678", expires_in_secs: 600 });
    } finally {
      page.done();
    }
  });

  it("rejects with the page's code and message when it is refused", async () => {
    const page = panelPage();
    try {
      const code = page.panel.agentCode();
      const asked = page.posted[1];
      page.deliver({ type: "result", id: asked.id, ok: false, error: { code: "forbidden", message: "Only the host" } });
      await expect(code).rejects.toMatchObject({ code: "forbidden", message: "Only the host" });
    } finally {
      page.done();
    }
  });

  it("shares its numbering with commands, so answers never cross", async () => {
    const page = panelPage();
    try {
      const command = page.panel.command("state", {});
      const code = page.panel.agentCode();
      const [, commandMessage, codeMessage] = page.posted;
      expect(commandMessage.type).toBe("command");
      expect(codeMessage.id).not.toBe(commandMessage.id);
      page.deliver({ type: "result", id: codeMessage.id, ok: true, value: { code: "1111 2222", expires_in_secs: 60 } });
      page.deliver({ type: "result", id: commandMessage.id, ok: true, value: { streams: [] } });
      await expect(code).resolves.toEqual({ code: "1111 2222", expires_in_secs: 60 });
      await expect(command).resolves.toEqual({ streams: [] });
    } finally {
      page.done();
    }
  });

  it("hears answers from its parent only", async () => {
    const page = panelPage();
    try {
      let settled = false;
      void page.panel.agentCode().then(
        () => (settled = true),
        () => (settled = true),
      );
      const asked = page.posted[1];
      page.deliver({ type: "result", id: asked.id, ok: true, value: { code: "6666 6666", expires_in_secs: 1 } }, { postMessage() {} });
      await Promise.resolve();
      expect(settled).toBe(false);
    } finally {
      page.done();
    }
  });
});

describe("stream events in the panel", () => {
  const opened = {
    type: "opened",
    stream: 7,
    source: "p-anna",
    source_name: "Anna",
    capability: "app.share",
    label: "xterm",
    origin: "csr_agent",
    controller: null,
  };

  it("passes on who controls a stream, and tells a late handler the controller now", () => {
    const page = panelPage();
    try {
      const heard: Record<string, unknown>[] = [];
      page.panel.onStream((event) => heard.push(event));
      page.deliver({ type: "stream", event: opened });
      page.deliver({ type: "stream", event: { type: "control", stream: 7, controller: "p-carl" } });
      // Not a stream this panel was told of: nothing.
      page.deliver({ type: "stream", event: { type: "control", stream: 8, controller: "p-carl" } });
      expect(heard).toEqual([opened, { type: "control", stream: 7, controller: "p-carl" }]);

      const late: Record<string, unknown>[] = [];
      page.panel.onStream((event) => late.push(event));
      expect(late).toEqual([{ ...opened, controller: "p-carl" }]);

      page.deliver({ type: "stream", event: { type: "control", stream: 7, controller: 42 } });
      expect(heard.at(-1)).toEqual({ type: "control", stream: 7, controller: null });
      page.deliver({ type: "stream", event: { type: "closed", stream: 7, reason: "stopped" } });
      page.deliver({ type: "stream", event: { type: "control", stream: 7, controller: "p-carl" } });
      expect(heard.at(-1)).toEqual({ type: "closed", stream: 7, reason: "stopped" });
    } finally {
      page.done();
    }
  });
});

describe("display capture through the page", () => {
  it("asks the page to capture, and resolves with what it kept", async () => {
    const page = panelPage();
    try {
      const opened = page.panel.captureDisplay();
      const asked = page.posted[1];
      expect(asked).toEqual({ tether: 1, type: "capture_display", id: asked.id });
      page.deliver({ type: "result", id: asked.id, ok: true, value: { capture: 1, label: "Ledger", surface: "browser" } });
      await expect(opened).resolves.toEqual({ capture: 1, label: "Ledger", surface: "browser" });
    } finally {
      page.done();
    }
  });

  it("passes on the page's refusal with its code (the customer's page does not capture)", async () => {
    const page = panelPage();
    try {
      const opened = page.panel.captureDisplay();
      const asked = page.posted[1];
      page.deliver({ type: "result", id: asked.id, ok: false, error: { code: "unsupported", message: "no" } });
      await expect(opened).rejects.toMatchObject({ code: "unsupported" });
    } finally {
      page.done();
    }
  });

  it("asks for a picture newer than the one it has (any, without one), and stops a capture", async () => {
    const page = panelPage();
    try {
      const bitmap = { width: 4, height: 2 };
      const newer = page.panel.captureFrame(1, 7);
      const any = page.panel.captureFrame(1);
      const stopped = page.panel.stopCapture(1);
      const [, newerMessage, anyMessage, stopMessage] = page.posted;
      expect(newerMessage).toEqual({ tether: 1, type: "capture_frame", id: newerMessage.id, capture: 1, since: 7 });
      expect(anyMessage).toMatchObject({ type: "capture_frame", capture: 1, since: -1 });
      expect(stopMessage).toEqual({ tether: 1, type: "capture_stop", id: stopMessage.id, capture: 1 });
      page.deliver({ type: "result", id: newerMessage.id, ok: true, value: { frame: 7 } });
      page.deliver({ type: "result", id: anyMessage.id, ok: true, value: { frame: 8, bitmap } });
      page.deliver({ type: "result", id: stopMessage.id, ok: true, value: { stopped: 1 } });
      await expect(newer).resolves.toEqual({ frame: 7 });
      expect((await any).bitmap).toBe(bitmap);
      await expect(stopped).resolves.toEqual({ stopped: 1 });
    } finally {
      page.done();
    }
  });

  it("hears a capture that ended by itself, from its parent only", () => {
    const page = panelPage();
    try {
      const heard: { capture: number }[] = [];
      page.panel.onCaptureEnded((event) => heard.push(event));
      page.deliver({ type: "capture_ended", capture: 3 });
      page.deliver({ type: "capture_ended", capture: "3" });
      page.deliver({ type: "capture_ended", capture: 4 }, { postMessage() {} });
      expect(heard).toEqual([{ capture: 3 }]);
    } finally {
      page.done();
    }
  });
});
