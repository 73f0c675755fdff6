// The console's Show my application (plugins/app-share/ui/app-share.js and
// browser-share.js), its pure parts: which streams the console shows
// rather than views, what an own stream's line says, and sharing from the
// browser — pacing, picture sizes, the frames it sends, and the capture
// the console page holds for the panel — loaded as the panel loads them
// (classic scripts defining globals).
import { describe, expect, it } from "vitest";
import "../../../../sdk/panel/tether-panel.js";
import "../../../../plugins/app-share/ui/app-share.js";
import "../../../../plugins/app-share/ui/browser-share.js";

type Next = { send: true; keyframe: boolean } | { wait: number } | { idle: true };
interface Pacing {
  lastSent: number;
  acknowledged: number;
  encoding: number;
  jpegOnly: boolean;
  unacknowledged(): number;
  damaged(): void;
  keyframeRequested(decoders?: number): void;
  acknowledge(sequence: number, now: number): boolean;
  next(now: number): Next;
  encodeStarted(now: number): void;
  encoded(now: number): number;
  encodeFailed(): void;
}
interface Browser {
  Pacing: new () => Pacing;
  pictureSize(width: number, height: number): { width: number; height: number } | null;
  bitrateFor(size: { width: number; height: number }): number;
  picturePayload(codec: string, width: number, height: number, data: Uint8Array): Uint8Array;
  pictureFrame(
    stream: number,
    sequence: number,
    keyframe: boolean,
    codec: string,
    width: number,
    height: number,
    data: Uint8Array,
  ): ArrayBuffer;
  labelFor(label: unknown, surface: string, t: (key: string) => string): string;
  supported(panel: unknown): boolean;
  capture(panel: unknown): Promise<Captured>;
  MAX_UNACKNOWLEDGED: number;
  STALL_AFTER_MS: number;
}
interface Captured {
  label: string;
  surface: string;
  grab(since: number): Promise<{ frame: number; image?: unknown; width?: number; height?: number; close?(): void } | null>;
  onEnded(handler: () => void): void;
  stop(): void;
}
interface AppShareApi {
  strings: { viewer: Record<string, Record<string, string>> };
  isOwnStream(stream: unknown, me: string | null, role: string | undefined): boolean | null;
  agentCommand(link: string | null): string;
  codeMinutes(secs: unknown): number;
  ownControlNote(
    entry: unknown,
    capturing: boolean,
    starting?: boolean,
  ): { key: string; params: Record<string, string> } | null;
}
interface Frames {
  decode(buffer: ArrayBuffer): { kind: number; keyframe: boolean; stream: number; sequence: number; payload: Uint8Array };
  picture(payload: Uint8Array): { codec: string; width: number; height: number; data: Uint8Array };
}

const scope = globalThis as unknown as {
  AppShare: AppShareApi;
  AppShareBrowser: Browser;
  TetherPanel: { frames: Frames };
};
const appShare = scope.AppShare;
const browser = scope.AppShareBrowser;
const frames = scope.TetherPanel.frames;

/** Sends one picture through the pacing: started at `now`, out of the encoder at once. */
function sendOne(pacing: Pacing, now: number): number {
  pacing.encodeStarted(now);
  return pacing.encoded(now);
}

describe("which streams the console shows itself", () => {
  it("a CSR's stream is this console's when its source is this CSR", () => {
    const stream = (origin: string, source = "p-anna") => ({ stream: 1, origin, source });
    expect(appShare.isOwnStream(stream("csr_agent"), "p-anna", "host")).toBe(true);
    expect(appShare.isOwnStream(stream("csr_browser"), "p-anna", "host")).toBe(true);
    expect(appShare.isOwnStream(stream("csr_agent", "p-zoe"), "p-anna", "host")).toBe(false);
    // A customer's share is viewed, whoever asks.
    expect(appShare.isOwnStream(stream("customer_agent", "p-carl"), "p-anna", "host")).toBe(false);
    expect(appShare.isOwnStream(stream("customer_agent", "p-anna"), "p-anna", "host")).toBe(false);
  });

  it("before the plugin said who this CSR is, the role decides: only the host shows", () => {
    const shown = { stream: 1, origin: "csr_agent", source: "p-anna" };
    expect(appShare.isOwnStream(shown, null, "host")).toBe(true);
    // An assistant views what the host shows.
    expect(appShare.isOwnStream(shown, null, "assistant")).toBe(false);
  });

  it("without an origin it is the source that tells, or nobody yet", () => {
    expect(appShare.isOwnStream({ stream: 1, source: "p-anna" }, "p-anna", "host")).toBe(true);
    expect(appShare.isOwnStream({ stream: 1, source: "p-carl" }, "p-anna", "host")).toBe(false);
    expect(appShare.isOwnStream({ stream: 1, source: "p-carl" }, null, "host")).toBeNull();
    expect(appShare.isOwnStream(null, "p-anna", "host")).toBeNull();
    expect(appShare.isOwnStream("opened", "p-anna", "host")).toBeNull();
  });
});

describe("Show my application's words", () => {
  it("the command is the agent's join with the session's link; a code's minutes are whole and at least one", () => {
    // As the agent takes it (host-agent: `tether-agent join <link or number>`).
    expect(appShare.agentCommand("https://support.example/join/123456789")).toBe(
      "tether-agent join https://support.example/join/123456789",
    );
    expect(appShare.agentCommand("123456789")).toBe("tether-agent join 123456789");
    expect(appShare.codeMinutes(600)).toBe(10);
    expect(appShare.codeMinutes(89)).toBe(1);
    expect(appShare.codeMinutes(150)).toBe(3);
    for (const bad of [0, -5, "x", null, undefined, Number.NaN]) expect(appShare.codeMinutes(bad)).toBe(1);
  });

  it("an own stream says who controls it; a browser's share is view only, or lost with the panel", () => {
    const note = appShare.ownControlNote;
    expect(note({ origin: "csr_agent", controller: null }, false)).toEqual({ key: "controlled_by_you", params: {} });
    expect(note({ origin: "csr_agent", controller: "p-carl", controller_name: "Carl" }, false)).toEqual({
      key: "controlled_by",
      params: { customer: "Carl" },
    });
    expect(note({ origin: "csr_agent", controller: "p-carl" }, false)?.params.customer).toBe("p-carl");
    expect(note({ origin: "csr_browser", controller: null }, true)?.key).toBe("browser_view_only");
    expect(note({ origin: "csr_browser", controller: null }, false)?.key).toBe("browser_interrupted");
    expect(note({ origin: "csr_browser", controller: null }, false, true)?.key).toBe("browser_starting");
    // Never "controlled" for a browser's share, whatever it claims.
    expect(note({ origin: "csr_browser", controller: "p-carl" }, true)?.key).toBe("browser_view_only");
    expect(note(null, false)).toBeNull();
  });

  it("the warning before giving control names the files, in every language", () => {
    const tables = appShare.strings.viewer;
    expect(tables.en.confirm_text).toContain("open this application's files");
    for (const language of ["en", "da", "fr", "ja"]) {
      for (const key of ["confirm_text", "control_dialog_warning"]) {
        expect(tables[language][key], `${language} ${key}`).toContain("{customer}");
      }
    }
    expect(tables.en.mine_heading).toBe("Show my application");
    expect(tables.en.share_browser).toBe("Share from the browser");
    expect(tables.en.control_dialog_title).toBe("Application control");
  });
});

describe("sharing from the browser: pacing", () => {
  it("starts with a keyframe and keeps at most two pictures unacknowledged", () => {
    const pacing = new browser.Pacing();
    expect(pacing.next(0)).toEqual({ send: true, keyframe: true });
    expect(sendOne(pacing, 0)).toBe(1);
    pacing.damaged();
    expect(pacing.next(30)).toEqual({ send: true, keyframe: false });
    pacing.encodeStarted(30);
    // One in the encoder counts as in flight too.
    pacing.damaged();
    expect(pacing.next(60)).toHaveProperty("wait");
    expect(pacing.encoded(61)).toBe(2);
    expect(pacing.next(70)).toHaveProperty("wait");
    // An acknowledgement of the first frees a slot.
    expect(pacing.acknowledge(1, 80)).toBe(true);
    expect(pacing.next(80)).toEqual({ send: true, keyframe: false });
  });

  it("an acknowledgement covers every older picture; a stale or unsent one counts for nothing", () => {
    const pacing = new browser.Pacing();
    for (let i = 0; i < 2; i++) sendOne(pacing, i * 30);
    expect(pacing.unacknowledged()).toBe(2);
    expect(pacing.acknowledge(2, 100)).toBe(true);
    expect(pacing.unacknowledged()).toBe(0);
    expect(pacing.acknowledge(1, 101)).toBe(false);
    expect(pacing.acknowledge(2, 101)).toBe(false);
    expect(pacing.acknowledge(7, 101)).toBe(false);
    expect(pacing.acknowledged).toBe(2);
  });

  it("nothing changed, nothing owed: idle; never faster than one picture every 25 ms", () => {
    const pacing = new browser.Pacing();
    sendOne(pacing, 0);
    pacing.acknowledge(1, 5);
    expect(pacing.next(5)).toEqual({ idle: true });
    pacing.damaged();
    expect(pacing.next(10)).toEqual({ wait: 15 });
    expect(pacing.next(25)).toEqual({ send: true, keyframe: false });
  });

  it("a keyframe request is answered with a keyframe; one without VP8 turns the share to JPEG", () => {
    const pacing = new browser.Pacing();
    sendOne(pacing, 0);
    pacing.acknowledge(1, 1);
    pacing.keyframeRequested(0b11);
    expect(pacing.jpegOnly).toBe(false);
    expect(pacing.next(40)).toEqual({ send: true, keyframe: true });
    sendOne(pacing, 40);
    pacing.keyframeRequested();
    expect(pacing.jpegOnly).toBe(false);
    pacing.keyframeRequested(0b10);
    expect(pacing.jpegOnly).toBe(true);
  });

  it("pictures nobody acknowledges for three seconds count as lost: on with a keyframe", () => {
    const pacing = new browser.Pacing();
    sendOne(pacing, 0);
    sendOne(pacing, 30);
    pacing.damaged();
    // Counted from when the second picture took the last slot.
    expect(pacing.next(100)).toEqual({ wait: browser.STALL_AFTER_MS - 70 });
    expect(pacing.next(30 + browser.STALL_AFTER_MS - 1)).toHaveProperty("wait");
    expect(pacing.next(30 + browser.STALL_AFTER_MS)).toEqual({ send: true, keyframe: true });
    expect(pacing.unacknowledged()).toBe(0);
  });

  it("a picture the encoder dropped stops counting after a second, and the next is a keyframe", () => {
    const pacing = new browser.Pacing();
    sendOne(pacing, 0);
    pacing.acknowledge(1, 1);
    pacing.damaged();
    pacing.encodeStarted(30);
    pacing.encodeStarted(60);
    pacing.damaged();
    expect(pacing.next(500)).toHaveProperty("wait");
    expect(pacing.next(1030)).toEqual({ send: true, keyframe: true });
    expect(pacing.encoding).toBe(0);
  });

  it("a failed encode sends nothing and owes a keyframe", () => {
    const pacing = new browser.Pacing();
    pacing.encodeStarted(0);
    pacing.encodeFailed();
    expect(pacing.lastSent).toBe(0);
    expect(pacing.next(30)).toEqual({ send: true, keyframe: true });
  });

  it("sequences wrap around in serial-number order", () => {
    const pacing = new browser.Pacing();
    pacing.lastSent = 0xffffffff;
    pacing.acknowledged = 0xfffffffe;
    expect(sendOne(pacing, 0)).toBe(0);
    expect(pacing.unacknowledged()).toBe(2);
    expect(pacing.acknowledge(0, 1)).toBe(true);
    expect(pacing.unacknowledged()).toBe(0);
  });
});

describe("sharing from the browser: pictures", () => {
  it("are at most 1920×1080, keep their shape and have even sides", () => {
    expect(browser.pictureSize(1280, 720)).toEqual({ width: 1280, height: 720 });
    expect(browser.pictureSize(3840, 2160)).toEqual({ width: 1920, height: 1080 });
    expect(browser.pictureSize(2000, 3000)).toEqual({ width: 720, height: 1080 });
    expect(browser.pictureSize(641, 479)).toEqual({ width: 640, height: 478 });
    expect(browser.pictureSize(1, 1)).toEqual({ width: 2, height: 2 });
    expect(browser.pictureSize(0, 720)).toBeNull();
    expect(browser.pictureSize(Number.NaN, 720)).toBeNull();
  });

  it("VP8 gets a bitrate for its size, within bounds", () => {
    expect(browser.bitrateFor({ width: 1280, height: 720 })).toBe(1843200);
    expect(browser.bitrateFor({ width: 100, height: 100 })).toBe(500000);
    expect(browser.bitrateFor({ width: 1920, height: 1080 })).toBe(4000000);
  });

  it("a picture frame reads back as the protocol's header, 6-byte prefix and data", () => {
    const data = new Uint8Array([0x9d, 0x01, 0x2a, 7, 8, 9]);
    const buffer = browser.pictureFrame(5, 42, true, "vp8", 640, 480, data);
    expect(buffer.byteLength).toBe(12 + 6 + data.length);
    const frame = frames.decode(buffer);
    expect(frame).toMatchObject({ kind: 1, keyframe: true, stream: 5, sequence: 42 });
    const picture = frames.picture(frame.payload);
    expect(picture).toMatchObject({ codec: "vp8", width: 640, height: 480 });
    expect(Array.from(picture.data)).toEqual(Array.from(data));
    expect(Array.from(new Uint8Array(buffer, 12, 6))).toEqual([1, 0, 0x02, 0x80, 0x01, 0xe0]);

    const delta = frames.decode(browser.pictureFrame(5, 43, false, "vp8", 640, 480, data));
    expect(delta.keyframe).toBe(false);
    // Every JPEG stands alone: always a keyframe.
    const jpeg = frames.decode(browser.pictureFrame(5, 44, false, "jpeg", 2, 2, new Uint8Array([0xff, 0xd8])));
    expect(jpeg.keyframe).toBe(true);
    expect(frames.picture(jpeg.payload).codec).toBe("jpeg");
    expect(() => browser.picturePayload("png", 2, 2, data)).toThrow(RangeError);
  });
});

describe("sharing from the browser: what the customers see it called", () => {
  const t = (key: string) => ({ browser_tab: "Browser tab", browser_window: "Window" })[key] ?? key;

  it("the browser's own words where they are a title, else the kind of surface", () => {
    expect(browser.labelFor("Quarterly report — Editor", "window", t)).toBe("Quarterly report — Editor");
    expect(browser.labelFor("window:12345:0", "window", t)).toBe("Window");
    expect(browser.labelFor("web-contents-media-stream://1234:5", "browser", t)).toBe("Browser tab");
    expect(browser.labelFor("", "browser", t)).toBe("Browser tab");
    expect(browser.labelFor(undefined, "", t)).toBe("Browser tab");
    expect(browser.labelFor("x".repeat(300), "window", t)).toHaveLength(200);
  });
});

/**
 * The panel SDK's capture calls as browser-share.js uses them, answered as
 * the console page would: `opened` is what `captureDisplay` answers.
 */
function capturingPanel(opened: Promise<unknown>) {
  const calls: unknown[][] = [];
  const endedHandlers: ((event: { capture: number }) => void)[] = [];
  let frameAnswer: unknown = { frame: 0 };
  const panel = {
    captureDisplay: () => {
      calls.push(["captureDisplay"]);
      return opened;
    },
    captureFrame: (capture: number, since: number) => {
      calls.push(["captureFrame", capture, since]);
      return Promise.resolve(frameAnswer);
    },
    stopCapture: (capture: number) => {
      calls.push(["stopCapture", capture]);
      return Promise.resolve({ stopped: capture });
    },
    onCaptureEnded: (handler: (event: { capture: number }) => void) => endedHandlers.push(handler),
  };
  return {
    panel,
    calls,
    answerFrames(answer: unknown) {
      frameAnswer = answer;
    },
    end(capture: number) {
      endedHandlers.forEach((handler) => handler({ capture }));
    },
  };
}

/** Just enough of a document for the preview canvas. */
function withDocument<T>(run: () => Promise<T>): Promise<T> {
  const globals = globalThis as unknown as Record<string, unknown>;
  globals.document = { createElement: () => ({ width: 0, height: 0, getContext: () => ({ drawImage() {} }) }) };
  return run().finally(() => {
    delete globals.document;
  });
}

describe("sharing from the browser: the capture the console page holds", () => {
  it("without the page's capture (an older SDK) it is unsupported: the panel never tries getDisplayMedia itself", async () => {
    expect(browser.supported({})).toBe(false);
    expect(browser.supported(null)).toBe(false);
    await expect(browser.capture({ command() {} })).rejects.toMatchObject({ reason: "unsupported" });
  });

  it("the page's refusals become what the panel tells the CSR", async () => {
    for (const [code, reason] of [
      ["cancelled", "cancelled"],
      ["screen", "screen"],
      ["unsupported", "unsupported"],
      ["failed", "failed"],
      ["not_found", "failed"],
    ]) {
      const page = capturingPanel(Promise.reject(Object.assign(new Error(code), { code })));
      await expect(browser.capture(page.panel)).rejects.toMatchObject({ reason });
    }
  });

  it("a whole screen is stopped at once and refused", async () => {
    const page = capturingPanel(Promise.resolve({ capture: 2, label: "screen:0:0", surface: "monitor" }));
    await expect(browser.capture(page.panel)).rejects.toMatchObject({ reason: "screen" });
    expect(page.calls).toContainEqual(["stopCapture", 2]);
  });

  it("pictures come from the page, only when changed; the end comes from the page too", async () => {
    await withDocument(async () => {
      const page = capturingPanel(Promise.resolve({ capture: 1, label: "Ledger", surface: "browser" }));
      const captured = await browser.capture(page.panel);
      expect(captured).toMatchObject({ label: "Ledger", surface: "browser" });

      // Nothing yet, then unchanged: no picture.
      expect(await captured.grab(-1)).toEqual({ frame: 0 });
      const bitmap = { width: 640, height: 480, closed: false, close() { this.closed = true; } };
      page.answerFrames({ frame: 5, bitmap });
      const picture = await captured.grab(4);
      expect(picture).toMatchObject({ frame: 5, image: bitmap, width: 640, height: 480 });
      picture?.close?.();
      expect(bitmap.closed).toBe(true);
      expect(page.calls).toContainEqual(["captureFrame", 1, 4]);

      let ended = 0;
      captured.onEnded(() => (ended += 1));
      page.end(2);
      expect(ended).toBe(0);
      page.end(1);
      expect(ended).toBe(1);

      captured.stop();
      captured.stop();
      expect(page.calls.filter((call) => call[0] === "stopCapture")).toEqual([["stopCapture", 1]]);
      expect(await captured.grab(-1)).toBeNull();
      page.end(1);
      expect(ended).toBe(1);
    });
  });
});
