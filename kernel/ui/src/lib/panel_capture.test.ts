// The page's side of display capture for panels (./panel_capture.ts): who
// may capture, which capture a panel may reach, pictures only when they
// changed, and the end of every capture with the panel's document or its
// session. The browser's getDisplayMedia is played by a recording capturer
// (the real one runs in the end-to-end tests, tests/e2e/sharing_csr.rs).
import { describe, expect, it } from "vitest";
import {
  CaptureError,
  captureRefusal,
  captureResult,
  isCaptureRequest,
  MAX_CAPTURES_PER_PANEL,
  PanelCaptures,
  type CaptureSource,
  type DisplayCapturer,
} from "./panel_capture";

/** A picture as the page hands it over; records being let go. */
class Bitmap {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

/** A capture the browser would hold: its pictures numbered by `presented`. */
class Source implements CaptureSource {
  presented = 0;
  stopped = false;
  hasPicture = true;
  readonly bitmaps: Bitmap[] = [];
  private ended: (() => void)[] = [];

  constructor(
    readonly label = "Ledger — Chromium",
    readonly surface = "browser",
  ) {}

  frame(): number {
    return this.presented;
  }

  async picture(): Promise<ImageBitmap | null> {
    if (!this.hasPicture) return null;
    const bitmap = new Bitmap();
    this.bitmaps.push(bitmap);
    return bitmap as unknown as ImageBitmap;
  }

  onEnded(handler: () => void): void {
    this.ended.push(handler);
  }

  stop(): void {
    this.stopped = true;
  }

  /** The CSR pressed Stop sharing on the browser's bar. */
  endByItself(): void {
    this.stopped = true;
    this.ended.forEach((handler) => handler());
  }
}

/** A page that captures while `allowed`, handing out `sources` in turn. */
function capturer(sources: Source[], allowed = { now: true }): DisplayCapturer & { asked: number } {
  const page = {
    asked: 0,
    allowed: () => allowed.now,
    choose: async () => {
      page.asked += 1;
      const next = sources.shift();
      if (!next) throw new CaptureError("cancelled", "Permission denied");
      return next;
    },
  };
  return page;
}

function panelCaptures(page?: DisplayCapturer) {
  const ended: number[] = [];
  const captures = new PanelCaptures(page, (capture) => ended.push(capture));
  return { captures, ended };
}

const ask = (captures: PanelCaptures, message: Record<string, unknown>, id = 1) => captureResult(id, captures, message);

describe("who may capture", () => {
  it("a page that does not capture for its panels (the customer's page) refuses, and never asks the browser", async () => {
    const { captures } = panelCaptures(undefined);
    const { result } = await ask(captures, { type: "capture_display" });
    expect(result).toMatchObject({ type: "result", id: 1, ok: false, error: { code: "unsupported" } });
    expect(captures.size).toBe(0);
  });

  it("the console refuses once the session is over for it (or this CSR is not its host), before the picker", async () => {
    const allowed = { now: false };
    const page = capturer([new Source()], allowed);
    const { captures } = panelCaptures(page);
    const { result } = await ask(captures, { type: "capture_display" });
    expect(result).toMatchObject({ ok: false, error: { code: "unsupported" } });
    expect(page.asked).toBe(0);
  });

  it("a choice that comes back after the session ended is stopped, not kept", async () => {
    const allowed = { now: true };
    const source = new Source();
    const page = capturer([source], allowed);
    const { captures } = panelCaptures(page);
    const asked = ask(captures, { type: "capture_display" });
    allowed.now = false;
    expect((await asked).result).toMatchObject({ ok: false, error: { code: "unsupported" } });
    expect(source.stopped).toBe(true);
    expect(captures.size).toBe(0);
  });

  it("a whole screen is never kept", async () => {
    const screen = new Source("screen:0:0", "monitor");
    const { captures } = panelCaptures(capturer([screen]));
    expect((await ask(captures, { type: "capture_display" })).result).toMatchObject({ ok: false, error: { code: "screen" } });
    expect(screen.stopped).toBe(true);
  });

  it("a panel holds a few captures at most", async () => {
    const sources = Array.from({ length: MAX_CAPTURES_PER_PANEL + 1 }, () => new Source());
    const page = capturer([...sources]);
    const { captures } = panelCaptures(page);
    for (let i = 0; i < MAX_CAPTURES_PER_PANEL; i++) {
      expect((await ask(captures, { type: "capture_display" })).result.ok).toBe(true);
    }
    expect((await ask(captures, { type: "capture_display" })).result).toMatchObject({ ok: false, error: { code: "failed" } });
    expect(page.asked).toBe(MAX_CAPTURES_PER_PANEL);
  });

  it("the CSR closing the picker is `cancelled`, as the browser's refusals say", async () => {
    const { captures } = panelCaptures(capturer([]));
    expect((await ask(captures, { type: "capture_display" })).result).toMatchObject({ ok: false, error: { code: "cancelled" } });
  });
});

describe("getDisplayMedia's refusals", () => {
  const refusal = (name: string) => captureRefusal(new DOMException("no", name)).code;

  it("map to what the panel tells the CSR", () => {
    expect(refusal("NotAllowedError")).toBe("cancelled");
    expect(refusal("AbortError")).toBe("cancelled");
    expect(refusal("NotSupportedError")).toBe("unsupported");
    // No click just before (no transient activation), and anything else.
    expect(refusal("InvalidStateError")).toBe("failed");
    expect(captureRefusal(new Error("boom"))).toMatchObject({ code: "failed", message: "boom" });
    expect(captureRefusal("odd").code).toBe("failed");
  });
});

describe("a capture's pictures", () => {
  async function opened() {
    const source = new Source();
    const { captures, ended } = panelCaptures(capturer([source]));
    const { result } = await ask(captures, { type: "capture_display" });
    if (!result.ok) throw new Error("not opened");
    return { source, captures, ended, value: result.value as { capture: number; label: string; surface: string } };
  }

  it("opening answers the capture's id, label and surface", async () => {
    const { value } = await opened();
    expect(value).toEqual({ capture: 1, label: "Ledger — Chromium", surface: "browser" });
  });

  it("a picture is handed over (transferred) when it changed since the panel's, else only its number", async () => {
    const { source, captures, value } = await opened();
    source.presented = 3;
    const first = await ask(captures, { type: "capture_frame", capture: value.capture, since: -1 });
    expect(first.result).toMatchObject({ ok: true, value: { frame: 3 } });
    expect(first.result.ok && (first.result.value as { bitmap?: unknown }).bitmap).toBe(source.bitmaps[0]);
    expect(first.transfer).toEqual([source.bitmaps[0]]);

    const same = await ask(captures, { type: "capture_frame", capture: value.capture, since: 3 });
    expect(same.result).toEqual({ type: "result", id: 1, ok: true, value: { frame: 3 } });
    expect(same.transfer).toEqual([]);
    expect(source.bitmaps).toHaveLength(1);

    source.presented = 4;
    const next = await ask(captures, { type: "capture_frame", capture: value.capture, since: 3 });
    expect(next.result).toMatchObject({ ok: true, value: { frame: 4 } });
    expect(next.transfer).toHaveLength(1);
  });

  it("before the first picture there is only a number", async () => {
    const { source, captures, value } = await opened();
    source.hasPicture = false;
    const { result, transfer } = await ask(captures, { type: "capture_frame", capture: value.capture, since: -1 });
    expect(result).toEqual({ type: "result", id: 1, ok: true, value: { frame: 0 } });
    expect(transfer).toEqual([]);
  });

  it("an unknown capture id is refused, and so is one that is no id", async () => {
    const { captures, value } = await opened();
    for (const type of ["capture_frame", "capture_stop"]) {
      expect((await ask(captures, { type, capture: value.capture + 1, since: -1 })).result).toMatchObject({
        ok: false,
        error: { code: "not_found" },
      });
      expect((await ask(captures, { type, capture: "1", since: -1 })).result).toMatchObject({
        ok: false,
        error: { code: "malformed" },
      });
    }
    // Another panel's captures are another PanelCaptures: this one's ids mean nothing there.
    const other = panelCaptures(capturer([]));
    expect((await ask(other.captures, { type: "capture_frame", capture: value.capture, since: -1 })).result).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
    expect(captures.size).toBe(1);
  });

  it("the panel stops a capture: the browser's capture ends, and its id is gone", async () => {
    const { source, captures, ended, value } = await opened();
    const { result } = await ask(captures, { type: "capture_stop", capture: value.capture });
    expect(result).toEqual({ type: "result", id: 1, ok: true, value: { stopped: value.capture } });
    expect(source.stopped).toBe(true);
    expect(ended).toEqual([]);
    expect((await ask(captures, { type: "capture_frame", capture: value.capture, since: -1 })).result).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("a capture that ends by itself (the browser's bar) is told to the panel once, and is gone", async () => {
    const { source, captures, ended, value } = await opened();
    source.endByItself();
    source.endByItself();
    expect(ended).toEqual([value.capture]);
    expect(captures.size).toBe(0);
  });

  it("a picture taken while the capture stopped is let go, not handed over", async () => {
    const { source, captures, value } = await opened();
    source.presented = 1;
    const asked = ask(captures, { type: "capture_frame", capture: value.capture, since: 0 });
    captures.stop(value.capture);
    expect((await asked).result).toMatchObject({ ok: false, error: { code: "not_found" } });
    expect(source.bitmaps.every((bitmap) => bitmap.closed)).toBe(true);
  });
});

describe("the end of a panel's captures", () => {
  it("the panel's document unloaded: every capture stops, with no one to tell", async () => {
    const sources = [new Source(), new Source()];
    const { captures, ended } = panelCaptures(capturer([...sources]));
    await ask(captures, { type: "capture_display" });
    await ask(captures, { type: "capture_display" });
    expect(captures.stopAll(false)).toBe(2);
    expect(sources.every((source) => source.stopped)).toBe(true);
    expect(ended).toEqual([]);
    expect((await ask(captures, { type: "capture_frame", capture: 1, since: -1 })).result).toMatchObject({
      ok: false,
      error: { code: "not_found" },
    });
  });

  it("a new document in the panel's frame (reloaded, shown again): what the one before captured stops", async () => {
    const sources = [new Source(), new Source(), new Source()];
    const { captures, ended } = panelCaptures(capturer([...sources]));
    await ask(captures, { type: "capture_display" });
    // The SDK's `ready` comes first, then the frame's `load`.
    captures.documentReady();
    expect(sources[0].stopped).toBe(true);
    await ask(captures, { type: "capture_display" });
    captures.frameLoaded();
    // The new document's own capture stays.
    expect(sources[1].stopped).toBe(false);
    expect(captures.size).toBe(1);
    // A document that never says `ready` (no SDK) still ends the one before's.
    captures.frameLoaded();
    expect(sources[1].stopped).toBe(true);
    // The other order (the frame's `load` heard before `ready`) ends it too.
    await ask(captures, { type: "capture_display" });
    captures.frameLoaded();
    captures.documentReady();
    expect(sources[2].stopped).toBe(true);
    expect(ended).toEqual([]);
  });

  it("its session ended: every capture stops, and the panel hears of each", async () => {
    const { captures, ended } = panelCaptures(capturer([new Source(), new Source()]));
    await ask(captures, { type: "capture_display" });
    await ask(captures, { type: "capture_display" });
    captures.stopAll(true);
    expect(ended).toEqual([1, 2]);
  });

  it("a choice that comes back after the document that asked was unloaded is stopped", async () => {
    const source = new Source();
    const { captures } = panelCaptures(capturer([source]));
    const asked = ask(captures, { type: "capture_display" });
    captures.stopAll(false);
    expect((await asked).result.ok).toBe(false);
    expect(source.stopped).toBe(true);
    expect(captures.size).toBe(0);
  });
});

describe("which bridge messages are capture requests", () => {
  it("the three of them, nothing else", () => {
    expect(["capture_display", "capture_frame", "capture_stop"].every(isCaptureRequest)).toBe(true);
    expect(isCaptureRequest("capture_ended")).toBe(false);
    expect(isCaptureRequest("command")).toBe(false);
  });
});
