// Display capture for plugin panels. A panel runs in a sandboxed frame with
// an opaque origin, where Chromium refuses getDisplayMedia ("Invalid
// security origin") whatever the frame's `allow` attribute says; so the
// page around it (the console) captures for it:
//
// - The panel asks (`capture_display`, `panel.captureDisplay()`) from the
//   handler of a click in the panel. The page has that click's transient
//   activation too: HTML's activation notification activates the clicked
//   document and every ancestor's window, whatever their origins — and
//   Chromium asks for transient activation in the document that calls
//   getDisplayMedia, which here is the page. The activation lasts a few
//   seconds; the request arrives within milliseconds.
// - The page calls getDisplayMedia itself (its own Permissions-Policy
//   decides: `display-capture` defaults to the page's own origin; the
//   panel's iframe needs no `allow="display-capture"`, and gets none, so
//   the panel itself still may not capture), keeps the stream and a hidden
//   video of it that counts the pictures it presents
//   (requestVideoFrameCallback).
// - The panel asks for the newest picture (`capture_frame`, with the
//   number of the last one it has): the page answers with the number only
//   when nothing changed, else with an ImageBitmap of the video,
//   transferred — a MediaStreamTrack or a VideoFrame cannot be posted into
//   another origin's frame, an ImageBitmap can.
// - The stream never leaves the page: it ends when the panel stops it
//   (`capture_stop`), when the CSR stops it from the browser's own bar or
//   the shared tab closes (the panel hears `capture_ended`), when the
//   panel's document goes (reloaded, hidden with its session's tab,
//   removed) and when the panel's session ends for this console.
//
// Pages that do not capture for their panels (the customer's page, the
// console's pages outside a session) refuse with `unsupported`.

import type { BridgeResult } from "./panels";

/**
 * What getDisplayMedia is asked for: a window or a tab, never a whole screen nor the console's own tab, no sound;
 * at its own size up to full HD (without an ideal size Chromium captures a tab at 800×456, blurred).
 */
export const DISPLAY_OPTIONS = {
  video: { frameRate: { ideal: 30, max: 30 }, width: { ideal: 1920, max: 1920 }, height: { ideal: 1080, max: 1080 } },
  audio: false,
  monitorTypeSurfaces: "exclude",
  selfBrowserSurface: "exclude",
  surfaceSwitching: "exclude",
} as DisplayMediaStreamOptions;

/** Captures one panel may hold at once (each took a click and a choice). */
export const MAX_CAPTURES_PER_PANEL = 4;

/**
 * Why a capture request was refused: `cancelled` (the CSR closed the
 * picker, or the browser did not allow it), `screen` (a whole screen was
 * chosen: never shared), `unsupported` (this page does not capture for
 * panels, or this browser cannot), `failed` (anything else), `not_found`
 * (no such capture of this panel), `malformed` (not a capture id).
 */
export type CaptureErrorCode = "cancelled" | "screen" | "unsupported" | "failed" | "not_found" | "malformed";

export class CaptureError extends Error {
  constructor(
    readonly code: CaptureErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "CaptureError";
  }
}

/** One capture as the page holds it. */
export interface CaptureSource {
  /** The track's label (some browsers give the window's title). */
  readonly label: string;
  /** `browser` (a tab) or `window`, as the track's settings say. */
  readonly surface: string;
  /** Pictures the capture presented so far: a new number is a changed picture. */
  frame(): number;
  /** The picture shown now; `null` while there is none yet. */
  picture(): Promise<ImageBitmap | null>;
  /** Runs once when the capture ends by itself (the browser's bar, the tab closed). */
  onEnded(handler: () => void): void;
  stop(): void;
}

/** How a page captures for its panels. */
export interface DisplayCapturer {
  /** Whether the panel may capture now (the console: its session is on, and this CSR is its host). */
  allowed(): boolean;
  /** Asks the CSR to choose a window or a tab; rejects with a CaptureError. */
  choose(): Promise<CaptureSource>;
}

/** `capture_display`'s answer. */
export interface CaptureOpened {
  capture: number;
  label: string;
  surface: string;
}

/** `capture_frame`'s answer: the picture's number, and the picture where it changed. */
export interface CaptureFrame {
  frame: number;
  bitmap?: ImageBitmap;
}

/**
 * The captures of one panel's document, by id. Ids are the panel's own:
 * one panel can never reach another's capture.
 */
export class PanelCaptures {
  private readonly held = new Map<number, CaptureSource>();
  private nextId = 1;
  /** Counts the panel's documents: a choice that comes back for a gone one is stopped. */
  private generation = 0;
  /** Whether the panel's document said `ready` since its frame last loaded (a document without the SDK never does). */
  private readySinceLoad = false;

  /**
   * `capturer` is absent where the page does not capture for panels;
   * `ended(capture)` tells the panel a capture ended by itself.
   */
  constructor(
    private readonly capturer: DisplayCapturer | undefined,
    private readonly ended: (capture: number) => void,
  ) {}

  /** How many captures are held now. */
  get size(): number {
    return this.held.size;
  }

  /** `capture_display`: the CSR chooses; the new capture's id, label and surface. */
  async open(): Promise<CaptureOpened> {
    const capturer = this.capturer;
    if (!capturer) throw new CaptureError("unsupported", "this page does not capture for its panels");
    if (!capturer.allowed()) throw new CaptureError("unsupported", "only the host's panels in a session on may capture");
    if (this.held.size >= MAX_CAPTURES_PER_PANEL) throw new CaptureError("failed", `a panel holds at most ${MAX_CAPTURES_PER_PANEL} captures`);
    const generation = this.generation;
    const source = await capturer.choose();
    if (generation !== this.generation || !capturer.allowed()) {
      // The panel was unloaded, or its session ended, while the CSR chose.
      source.stop();
      throw new CaptureError("unsupported", "the panel or its session is gone");
    }
    if (source.surface === "monitor") {
      source.stop();
      throw new CaptureError("screen", "a whole screen is never shared");
    }
    const capture = this.nextId++;
    this.held.set(capture, source);
    source.onEnded(() => {
      if (this.held.get(capture) !== source) return;
      this.held.delete(capture);
      this.ended(capture);
    });
    return { capture, label: source.label, surface: source.surface };
  }

  /** `capture_frame`: the number of the newest picture, and the picture unless it is number `since`. */
  async frame(capture: unknown, since: unknown): Promise<CaptureFrame> {
    const source = this.source(capture);
    const frame = source.frame();
    if (typeof since === "number" && since === frame) return { frame };
    let bitmap: ImageBitmap | null;
    try {
      bitmap = await source.picture();
    } catch (error) {
      throw new CaptureError("failed", (error as Error)?.message ?? String(error));
    }
    if (!bitmap) return { frame };
    if (this.held.get(capture as number) !== source) {
      // Stopped while the picture was taken.
      bitmap.close();
      throw new CaptureError("not_found", `capture ${String(capture)} ended`);
    }
    return { frame, bitmap };
  }

  /** `capture_stop`: ends one capture of this panel. */
  stop(capture: unknown): void {
    const source = this.source(capture);
    this.held.delete(capture as number);
    source.stop();
  }

  /**
   * A document in the panel's frame said `ready`: a new one, so whatever
   * the one before captured is gone with it.
   */
  documentReady(): void {
    this.stopAll(false);
    this.readySinceLoad = true;
  }

  /**
   * The panel's frame loaded a document. Where that document said `ready`
   * first, its captures stay (the one before's ended then); a document
   * that never says `ready` still ends the one before's.
   */
  frameLoaded(): void {
    if (!this.readySinceLoad) this.stopAll(false);
    this.readySinceLoad = false;
  }

  /**
   * Ends every capture: the panel's document is gone (`notify` false: no
   * one to tell) or its session ended (`notify`: the panel hears
   * `capture_ended` for each). How many there were.
   */
  stopAll(notify: boolean): number {
    this.generation += 1;
    const ended = [...this.held.entries()];
    this.held.clear();
    for (const [capture, source] of ended) {
      source.stop();
      if (notify) this.ended(capture);
    }
    return ended.length;
  }

  private source(capture: unknown): CaptureSource {
    if (typeof capture !== "number" || !Number.isSafeInteger(capture)) throw new CaptureError("malformed", "a capture id is a whole number");
    const source = this.held.get(capture);
    if (!source) throw new CaptureError("not_found", `no capture ${capture} of this panel`);
    return source;
  }
}

/** The bridge message types this module answers. */
export const CAPTURE_REQUESTS = ["capture_display", "capture_frame", "capture_stop"] as const;
export type CaptureRequest = (typeof CAPTURE_REQUESTS)[number];

export function isCaptureRequest(type: unknown): type is CaptureRequest {
  return (CAPTURE_REQUESTS as readonly unknown[]).includes(type);
}

/**
 * The `result` for a panel's capture request `id` (`message` as posted),
 * with what to transfer along (the picture).
 */
export async function captureResult(
  id: number,
  captures: PanelCaptures,
  message: Record<string, unknown>,
): Promise<{ result: BridgeResult; transfer: Transferable[] }> {
  try {
    if (message.type === "capture_display") {
      return { result: { type: "result", id, ok: true, value: await captures.open() }, transfer: [] };
    }
    if (message.type === "capture_frame") {
      const answer = await captures.frame(message.capture, message.since);
      return { result: { type: "result", id, ok: true, value: answer }, transfer: answer.bitmap ? [answer.bitmap] : [] };
    }
    if (message.type === "capture_stop") {
      captures.stop(message.capture);
      return { result: { type: "result", id, ok: true, value: { stopped: message.capture } }, transfer: [] };
    }
    throw new CaptureError("malformed", `not a capture request: ${String(message.type)}`);
  } catch (error) {
    const refusal = error instanceof CaptureError ? error : new CaptureError("failed", (error as Error)?.message ?? String(error));
    return { result: { type: "result", id, ok: false, error: { code: refusal.code, message: refusal.message } }, transfer: [] };
  }
}

/** getDisplayMedia's refusal as a capture error. */
export function captureRefusal(error: unknown): CaptureError {
  const name = (error as { name?: unknown })?.name;
  const message = (error as { message?: unknown })?.message;
  const text = typeof message === "string" && message ? message : String(error);
  // The CSR closed the picker, or the browser (or its user's settings) did not allow it.
  if (name === "NotAllowedError" || name === "AbortError") return new CaptureError("cancelled", text);
  if (name === "NotSupportedError") return new CaptureError("unsupported", text);
  // InvalidStateError: no transient activation (no click in the panel just before), among others.
  return new CaptureError("failed", text);
}

/**
 * The browser's getDisplayMedia, for a page that captures for its panels
 * while `allowed()` says so.
 */
export function browserCapturer(allowed: () => boolean): DisplayCapturer {
  return {
    allowed,
    async choose() {
      const devices = navigator.mediaDevices;
      if (!devices || typeof devices.getDisplayMedia !== "function") {
        throw new CaptureError("unsupported", "this browser cannot capture a window or a tab here");
      }
      // The click in the panel activated this page as well; without one the browser refuses anyway.
      if (navigator.userActivation && !navigator.userActivation.isActive) {
        throw new CaptureError("failed", "choosing a window or a tab takes a click in the panel just before");
      }
      let media: MediaStream;
      try {
        media = await devices.getDisplayMedia(DISPLAY_OPTIONS);
      } catch (error) {
        throw captureRefusal(error);
      }
      const track = media.getVideoTracks()[0];
      const surface = track?.getSettings().displaySurface ?? "";
      if (!track || surface === "monitor") {
        media.getTracks().forEach((each) => each.stop());
        throw new CaptureError(track ? "screen" : "failed", track ? "a whole screen is never shared" : "the capture has no picture");
      }
      return videoSource(media, track, surface);
    },
  };
}

/**
 * A capture seen through a hidden, muted video in the page, which counts
 * the pictures it presents. requestVideoFrameCallback runs with the page's
 * rendering; a hidden page (the CSR looking at the very tab they share)
 * renders nothing, so there every look counts as a new picture.
 */
function videoSource(media: MediaStream, track: MediaStreamTrack, surface: string): CaptureSource {
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.setAttribute("aria-hidden", "true");
  video.dataset.test = "capture-source";
  // Out of sight and out of the way, but rendered (a video that is not
  // rendered presents no pictures to count). CSSOM, which the page's
  // Content-Security-Policy allows, unlike a style attribute.
  Object.assign(video.style, {
    position: "fixed",
    left: "0",
    top: "0",
    width: "2px",
    height: "2px",
    opacity: "0.01",
    pointerEvents: "none",
    zIndex: "-1",
  });
  video.srcObject = media;
  document.body.appendChild(video);
  void video.play().catch(() => undefined);

  let presented = 0;
  let stopped = false;
  const counting = typeof video.requestVideoFrameCallback === "function";
  const count = (): void => {
    if (stopped) return;
    video.requestVideoFrameCallback(() => {
      presented += 1;
      count();
    });
  };
  if (counting) count();

  const endedHandlers: (() => void)[] = [];
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    media.getTracks().forEach((each) => each.stop());
    video.srcObject = null;
    video.remove();
  };
  track.addEventListener("ended", () => {
    if (stopped) return;
    stop();
    endedHandlers.forEach((handler) => handler());
  });

  return {
    label: track.label,
    surface,
    frame() {
      if (!counting || document.hidden) presented += 1;
      return presented;
    },
    async picture() {
      if (stopped || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) return null;
      return createImageBitmap(video);
    },
    onEnded(handler) {
      endedHandlers.push(handler);
    },
    stop,
  };
}
