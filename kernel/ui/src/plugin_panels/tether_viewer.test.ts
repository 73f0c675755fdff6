// The stream viewer of the panel SDK (sdk/panel/tether-viewer.js), its pure
// parts: the file the panels load, run here as the browser runs it (a
// classic script that defines `TetherViewer`).
import { describe, expect, it } from "vitest";
import "../../../../sdk/panel/tether-viewer.js";

interface Picture {
  sequence: number;
  keyframe: boolean;
  codec: "vp8" | "jpeg";
}
interface Outcome {
  acks: number[];
  requestKeyframe: boolean;
  reset: boolean;
  decode: Picture | null;
}
interface PictureQueue {
  start(): Outcome;
  arrive(picture: Picture): Outcome;
  finished(picture: Picture, drawn: boolean): Outcome;
}
interface Api {
  strings: Record<string, Record<string, string>>;
  translate(language: string, key: string, params?: Record<string, unknown>): string;
  decodersByte(vp8: boolean): number;
  keysymFor(key: string, code: string): number | null;
  KeyTracker: new () => {
    press(key: string, code: string): number | null;
    release(key: string, code: string): number | null;
    releaseAll(): number[];
  };
  isLeaveCombination(event: { key: string; ctrlKey: boolean; altKey: boolean; shiftKey: boolean }): boolean;
  fitSize(
    width: number,
    height: number,
    boxWidth: number,
    boxHeight: number,
    actualSize: boolean,
  ): { width: number; height: number; scale: number };
  pictureCoordinates(
    clientX: number,
    clientY: number,
    rect: { left: number; top: number; width: number; height: number },
    width: number,
    height: number,
  ): { x: number; y: number };
  pointerButton(domButton: number): number | null;
  WheelAccumulator: new () => { add(deltaY: number, deltaMode: number): number[] };
  PictureQueue: new (decodes: { vp8: boolean; jpeg: boolean }) => PictureQueue;
  ControlState: new () => {
    allowed: boolean;
    active: boolean;
    allow(allowed: boolean, cause?: string): boolean;
    enter(ready: boolean): boolean;
    leave(): boolean;
    hint(): string;
  };
  REASK_AFTER_SKIPPED: number;
  Readout: new () => {
    ready(now: number): void;
    drawn(now: number): void;
    read(now: number): { fps: number; latency: number | null };
  };
}

const viewer = (globalThis as unknown as { TetherViewer: Api }).TetherViewer;

describe("keysyms", () => {
  const table: [string, string, number | null][] = [
    // Latin-1 printable characters are their own code point.
    ["a", "KeyA", 0x61],
    ["A", "KeyA", 0x41],
    [" ", "Space", 0x20],
    ["~", "Backquote", 0x7e],
    ["é", "Digit2", 0xe9],
    ["ÿ", "KeyY", 0xff],
    ["\u00a0", "Space", 0xa0],
    // Beyond Latin-1: the Unicode keysym range.
    ["€", "KeyE", 0x010020ac],
    ["あ", "KeyA", 0x01003042],
    ["😀", "", 0x0101f600],
    // Named keys.
    ["Enter", "Enter", 0xff0d],
    ["Enter", "NumpadEnter", 0xff0d],
    ["Backspace", "Backspace", 0xff08],
    ["Tab", "Tab", 0xff09],
    ["Escape", "Escape", 0xff1b],
    ["ArrowLeft", "ArrowLeft", 0xff51],
    ["ArrowUp", "ArrowUp", 0xff52],
    ["ArrowRight", "ArrowRight", 0xff53],
    ["ArrowDown", "ArrowDown", 0xff54],
    ["Home", "Home", 0xff50],
    ["End", "End", 0xff57],
    ["PageUp", "PageUp", 0xff55],
    ["PageDown", "PageDown", 0xff56],
    ["Insert", "Insert", 0xff63],
    ["Delete", "Delete", 0xffff],
    ["F1", "F1", 0xffbe],
    ["F5", "F5", 0xffc2],
    ["F12", "F12", 0xffc9],
    // Modifiers, left and right.
    ["Shift", "ShiftLeft", 0xffe1],
    ["Shift", "ShiftRight", 0xffe2],
    ["Control", "ControlLeft", 0xffe3],
    ["Control", "ControlRight", 0xffe4],
    ["Alt", "AltLeft", 0xffe9],
    ["Alt", "AltRight", 0xffea],
    ["Meta", "MetaLeft", 0xffeb],
    ["Meta", "MetaRight", 0xffec],
    ["AltGraph", "AltRight", 0xfe03],
    ["CapsLock", "CapsLock", 0xffe5],
    // Nothing to send.
    ["Dead", "Quote", null],
    ["Unidentified", "", null],
    ["Process", "KeyA", null],
    ["F13", "F13", null],
    ["", "KeyA", null],
    ["ab", "KeyA", null],
    ["\u0007", "", null],
    ["\u007f", "", null],
    ["\u0085", "", null],
  ];
  for (const [key, code, keysym] of table) {
    it(`${JSON.stringify(key)} (${code || "no code"}) is ${keysym === null ? "not sent" : keysym.toString(16)}`, () => {
      expect(viewer.keysymFor(key, code)).toBe(keysym);
    });
  }

  it("a key is released with the keysym it was pressed with", () => {
    const keys = new viewer.KeyTracker();
    expect(keys.press("Shift", "ShiftLeft")).toBe(0xffe1);
    expect(keys.press("A", "KeyA")).toBe(0x41);
    expect(keys.press("A", "KeyA"), "auto-repeat").toBe(0x41);
    expect(keys.release("Shift", "ShiftLeft")).toBe(0xffe1);
    // Shift is up, so the browser says "a" on the way up.
    expect(keys.release("a", "KeyA")).toBe(0x41);
    expect(keys.release("a", "KeyA"), "released already").toBeNull();
    expect(keys.press("Dead", "Quote")).toBeNull();
    expect(keys.release("Dead", "Quote"), "never sent, never released").toBeNull();
  });

  it("leaving control releases every key still down, once", () => {
    const keys = new viewer.KeyTracker();
    keys.press("Control", "ControlLeft");
    keys.press("Alt", "AltLeft");
    keys.press("x", "KeyX");
    keys.release("x", "KeyX");
    expect(keys.releaseAll().sort()).toEqual([0xffe3, 0xffe9]);
    expect(keys.releaseAll()).toEqual([]);
  });

  it("Ctrl+Alt+Shift leaves control, in any order, and nothing else does", () => {
    const table: [string, boolean, boolean, boolean, boolean][] = [
      ["Shift", true, true, true, true],
      ["Control", true, true, true, true],
      ["Alt", true, true, true, true],
      ["Shift", true, false, true, false],
      ["Alt", true, true, false, false],
      ["Escape", true, true, true, false],
      ["a", true, true, true, false],
    ];
    for (const [key, ctrlKey, altKey, shiftKey, leaves] of table) {
      expect(viewer.isLeaveCombination({ key, ctrlKey, altKey, shiftKey }), `${key} ${ctrlKey} ${altKey} ${shiftKey}`).toBe(
        leaves,
      );
    }
  });
});

describe("scaling and pointer coordinates", () => {
  it("fits the picture into the panel, shrinking only, or shows it 1:1", () => {
    const table: [number, number, number, number, boolean, { width: number; height: number; scale: number }][] = [
      [1280, 720, 640, 480, false, { width: 640, height: 360, scale: 0.5 }],
      [1280, 720, 1280, 180, false, { width: 320, height: 180, scale: 0.25 }],
      [500, 1000, 400, 400, false, { width: 200, height: 400, scale: 0.4 }],
      // Smaller than the panel: its own pixels, not enlarged.
      [800, 600, 1600, 1200, false, { width: 800, height: 600, scale: 1 }],
      // 1:1: its own pixels, the panel scrolls.
      [1280, 720, 640, 480, true, { width: 1280, height: 720, scale: 1 }],
      // No room measured yet (hidden panel): its own pixels.
      [1280, 720, 0, 480, false, { width: 1280, height: 720, scale: 1 }],
      // Never 0 pixels.
      [4000, 1, 100, 100, false, { width: 100, height: 1, scale: 0.025 }],
    ];
    for (const [width, height, boxWidth, boxHeight, actual, expected] of table) {
      expect(viewer.fitSize(width, height, boxWidth, boxHeight, actual), `${width}×${height} in ${boxWidth}×${boxHeight}`).toEqual(
        expected,
      );
    }
  });

  it("maps the pointer back to the picture's pixels, clamped into it", () => {
    // 1280×720 drawn at half size, 10 px from the left and 20 from the top.
    const half = { left: 10, top: 20, width: 640, height: 360 };
    const actual = { left: -100, top: -50, width: 1280, height: 720 };
    const table: [number, number, typeof half, { x: number; y: number }][] = [
      [10, 20, half, { x: 0, y: 0 }],
      [330, 200, half, { x: 640, y: 360 }],
      [10.6, 20.6, half, { x: 1, y: 1 }],
      [649.9, 379.9, half, { x: 1279, y: 719 }],
      // Dragged outside the canvas.
      [0, 0, half, { x: 0, y: 0 }],
      [2000, 2000, half, { x: 1279, y: 719 }],
      // 1:1, scrolled: the canvas starts above and left of the viewport.
      [0, 0, actual, { x: 100, y: 50 }],
      [1179, 669, actual, { x: 1279, y: 719 }],
      // A canvas not laid out: the corner, not NaN.
      [5, 5, { left: 0, top: 0, width: 0, height: 0 }, { x: 0, y: 0 }],
    ];
    for (const [clientX, clientY, rect, expected] of table) {
      expect(viewer.pictureCoordinates(clientX, clientY, rect, 1280, 720), `${clientX},${clientY}`).toEqual(expected);
    }
  });

  it("maps mouse buttons to X buttons", () => {
    expect([0, 1, 2, 3, 4].map(viewer.pointerButton)).toEqual([1, 2, 3, null, null]);
  });

  it("turns wheel movement into clicks of buttons 4 (up) and 5 (down)", () => {
    const wheel = new viewer.WheelAccumulator();
    expect(wheel.add(100, 0)).toEqual([5]);
    expect(wheel.add(-200, 0)).toEqual([4, 4]);
    expect(wheel.add(3, 1), "three lines").toEqual([5]);
    expect(wheel.add(1, 2), "a page").toEqual([5]);
    // A touchpad's small steps add up.
    expect([wheel.add(30, 0), wheel.add(30, 0), wheel.add(30, 0), wheel.add(30, 0)]).toEqual([[], [], [], [5]]);
    expect(wheel.add(-20, 0), "the rest of 120 cancels").toEqual([]);
    expect(wheel.add(100000, 0).length, "capped").toBe(10);
  });
});

describe("what the viewer decodes", () => {
  it("says VP8 and JPEG with WebCodecs, JPEG only without", () => {
    expect(viewer.decodersByte(true)).toBe(0b11);
    expect(viewer.decodersByte(false)).toBe(0b10);
  });
});

describe("pictures: decoding, acknowledgements, keyframe requests", () => {
  const vp8 = (sequence: number, keyframe = false): Picture => ({ sequence, keyframe, codec: "vp8" });
  const jpeg = (sequence: number): Picture => ({ sequence, keyframe: true, codec: "jpeg" });
  const none: Outcome = { acks: [], requestKeyframe: false, reset: false, decode: null };
  const outcome = (changes: Partial<Outcome>): Outcome => ({ ...none, ...changes });

  type Step = ["start"] | ["arrive", Picture] | ["finished", Picture, boolean];
  function play(decodes: { vp8: boolean; jpeg: boolean }, steps: [Step, Outcome][]) {
    const queue = new viewer.PictureQueue(decodes);
    steps.forEach(([step, expected], index) => {
      const result =
        step[0] === "start" ? queue.start() : step[0] === "arrive" ? queue.arrive(step[1]) : queue.finished(step[1], step[2]);
      expect(result, `step ${index}: ${JSON.stringify(step)}`).toEqual(expected);
    });
  }
  const both = { vp8: true, jpeg: true };

  it("starts with one keyframe request and skips to the first keyframe", () => {
    const k1 = vp8(3, true);
    const d2 = vp8(4);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      // Pictures before the keyframe cannot be decoded: acknowledged, not asked again.
      [["arrive", vp8(1)], outcome({ acks: [1] })],
      [["arrive", vp8(2)], outcome({ acks: [2] })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["arrive", d2], none],
      [["finished", k1, true], outcome({ acks: [3], decode: d2 })],
      [["finished", d2, true], outcome({ acks: [4] })],
    ]);
  });

  it("keeps at most one picture waiting: the newest", () => {
    const j1 = jpeg(1);
    const j3 = jpeg(3);
    play({ vp8: false, jpeg: true }, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", j1], outcome({ decode: j1 })],
      [["arrive", jpeg(2)], none],
      [["arrive", j3], outcome({ acks: [2] })],
      [["finished", j1, true], outcome({ acks: [1], decode: j3 })],
      [["finished", j3, true], outcome({ acks: [3] })],
    ]);
  });

  it("a VP8 picture that is not a keyframe is never skipped: its followers wait for a keyframe", () => {
    const k1 = vp8(1, true);
    const k5 = vp8(5, true);
    const d6 = vp8(6);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["arrive", vp8(2)], none],
      // 3 needs 2, which has to go: both go, and a keyframe is asked for once.
      [["arrive", vp8(3)], outcome({ acks: [2, 3], requestKeyframe: true })],
      [["arrive", vp8(4)], outcome({ acks: [4] })],
      [["arrive", k5], none],
      [["arrive", d6], outcome({ acks: [5, 6], requestKeyframe: true })],
      [["finished", k1, true], outcome({ acks: [1] })],
    ]);
  });

  it("a waiting picture replaced by a keyframe needs no request", () => {
    const k1 = vp8(1, true);
    const k3 = vp8(3, true);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["arrive", vp8(2)], none],
      [["arrive", k3], outcome({ acks: [2] })],
      [["finished", k1, true], outcome({ acks: [1], decode: k3 })],
    ]);
  });

  it("after a decoding error: acknowledge, reset, ask for a keyframe, skip to it", () => {
    const k1 = vp8(1, true);
    const k4 = vp8(4, true);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["arrive", vp8(2)], none],
      [["finished", k1, false], outcome({ acks: [1, 2], reset: true, requestKeyframe: true })],
      [["arrive", vp8(3)], outcome({ acks: [3] })],
      [["arrive", k4], outcome({ decode: k4 })],
      [["finished", k4, true], outcome({ acks: [4] })],
    ]);
  });

  it("after a decoding error with a keyframe waiting, that keyframe is next", () => {
    const k1 = vp8(1, true);
    const d2 = vp8(2);
    const k3 = vp8(3, true);
    const d4 = vp8(4);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["finished", k1, true], outcome({ acks: [1] })],
      [["arrive", d2], outcome({ decode: d2 })],
      [["arrive", k3], none],
      [["finished", d2, false], outcome({ acks: [2], reset: true, requestKeyframe: true, decode: k3 })],
      [["arrive", d4], none],
      [["finished", k3, true], outcome({ acks: [3], decode: d4 })],
    ]);
  });

  it("without WebCodecs, VP8 pictures are acknowledged and skipped until JPEG comes", () => {
    const j3 = jpeg(3);
    play({ vp8: false, jpeg: true }, [
      [["start"], outcome({ requestKeyframe: true })],
      // Sent before the source heard the request: asked already.
      [["arrive", vp8(1, true)], outcome({ acks: [1] })],
      [["arrive", vp8(2)], outcome({ acks: [2] })],
      [["arrive", j3], outcome({ decode: j3 })],
      // VP8 again after JPEG: say it once more.
      [["arrive", vp8(4, true)], outcome({ acks: [4], requestKeyframe: true })],
      [["arrive", vp8(5, true)], outcome({ acks: [5] })],
      [["finished", j3, true], outcome({ acks: [3] })],
    ]);
  });

  it("asks again after skipping pictures while its request goes unanswered", () => {
    // The first request went to a source that had not started yet: VP8
    // keeps coming. Every REASK_AFTER_SKIPPED pictures skipped, ask again.
    const steps: [Step, Outcome][] = [[["start"], outcome({ requestKeyframe: true })]];
    const every = viewer.REASK_AFTER_SKIPPED;
    expect(every).toBeGreaterThan(2);
    for (let sequence = 1; sequence <= 2 * every; sequence++) {
      steps.push([["arrive", vp8(sequence, sequence === 1)], outcome({ acks: [sequence], requestKeyframe: sequence % every === 0 })]);
    }
    const j = jpeg(2 * every + 1);
    steps.push([["arrive", j], outcome({ decode: j })]);
    play({ vp8: false, jpeg: true }, steps);

    // The same for deltas while the keyframe asked for does not come.
    const deltas: [Step, Outcome][] = [[["start"], outcome({ requestKeyframe: true })]];
    for (let sequence = 1; sequence <= every; sequence++) {
      deltas.push([["arrive", vp8(sequence)], outcome({ acks: [sequence], requestKeyframe: sequence === every })]);
    }
    const k = vp8(every + 1, true);
    deltas.push([["arrive", k], outcome({ decode: k })]);
    play(both, deltas);
  });

  it("a picture that is not the one decoding changes nothing", () => {
    const k1 = vp8(1, true);
    play(both, [
      [["start"], outcome({ requestKeyframe: true })],
      [["arrive", k1], outcome({ decode: k1 })],
      [["finished", vp8(9, true), true], none],
      [["finished", k1, true], outcome({ acks: [1] })],
      [["finished", k1, true], none],
    ]);
  });

  it("acknowledges every picture exactly once and never holds more than one waiting", () => {
    // A long, irregular run: keyframes every 7th, decoding finishing now and
    // then, one in 11 failing.
    const queue = new viewer.PictureQueue(both);
    const acked = new Map<number, number>();
    let decoding: Picture | null = null;
    let held = 0;
    const take = (result: Outcome) => {
      for (const sequence of result.acks) acked.set(sequence, (acked.get(sequence) ?? 0) + 1);
      if (result.decode) {
        expect(decoding, "one at a time").toBeNull();
        decoding = result.decode;
      }
    };
    take(queue.start());
    for (let sequence = 1; sequence <= 500; sequence++) {
      take(queue.arrive(vp8(sequence, sequence % 7 === 1)));
      held = Math.max(held, sequence - acked.size - (decoding ? 1 : 0));
      if (decoding && sequence % 3 !== 0) {
        const current: Picture = decoding;
        decoding = null;
        take(queue.finished(current, sequence % 11 !== 0));
      }
    }
    while (decoding) {
      const current: Picture = decoding;
      decoding = null;
      take(queue.finished(current, true));
    }
    expect(acked.size).toBe(500);
    expect([...acked.values()].every((count) => count === 1)).toBe(true);
    expect(held, "waiting besides the one decoding").toBeLessThanOrEqual(1);
  });
});

describe("control mode", () => {
  it("is entered by the viewer's click only once allowed, and only with a picture to control", () => {
    const control = new viewer.ControlState();
    expect(control.hint()).toBe("");
    expect(control.enter(true)).toBe(false);
    expect(control.allow(true)).toBe(false);
    expect(control.hint()).toBe("hint_click");
    // No picture yet: nothing to click into.
    expect(control.enter(false)).toBe(false);
    expect(control.enter(true)).toBe(true);
    expect(control.hint()).toBe("hint_control");
    // A second click changes nothing.
    expect(control.enter(true)).toBe(false);
  });

  it("is left by the viewer (a key or the button) and can be entered again", () => {
    const control = new viewer.ControlState();
    control.allow(true);
    control.enter(true);
    expect(control.leave()).toBe(true);
    expect(control.hint()).toBe("hint_click");
    expect(control.leave()).toBe(false);
    expect(control.enter(true)).toBe(true);
  });

  it("ends at once when taken back, says so, and offers nothing until given again", () => {
    const control = new viewer.ControlState();
    control.allow(true);
    control.enter(true);
    // Was in control: the caller stops input now.
    expect(control.allow(false, "taken_back")).toBe(true);
    expect(control.active).toBe(false);
    expect(control.hint()).toBe("control_taken");
    expect(control.enter(true)).toBe(false);
    // Repeated: still said, nothing more to leave.
    expect(control.allow(false, "taken_back")).toBe(false);
    expect(control.hint()).toBe("control_taken");
    // Given again: offered again, the old notice gone.
    control.allow(true);
    expect(control.hint()).toBe("hint_click");
  });

  it("taken back while only offered: said, nothing to leave", () => {
    const control = new viewer.ControlState();
    control.allow(true);
    expect(control.allow(false, "taken_back")).toBe(false);
    expect(control.hint()).toBe("control_taken");
  });

  it("never allowed: nothing to say about taking it back; withdrawn without a cause: silent", () => {
    const never = new viewer.ControlState();
    expect(never.allow(false, "taken_back")).toBe(false);
    expect(never.hint()).toBe("");
    const withdrawn = new viewer.ControlState();
    withdrawn.allow(true);
    withdrawn.enter(true);
    expect(withdrawn.allow(false)).toBe(true);
    expect(withdrawn.hint()).toBe("");
  });
});

describe("readout", () => {
  it("counts pictures drawn in the last second and the time from ready to drawn", () => {
    const readout = new viewer.Readout();
    expect(readout.read(0)).toEqual({ fps: 0, latency: null });
    // Keyframe request at 0, first picture drawn at 40.
    readout.ready(0);
    readout.drawn(40);
    expect(readout.read(40)).toEqual({ fps: 1, latency: 40 });
    // Its acknowledgement at 40, the next picture at 70.
    readout.ready(40);
    readout.drawn(70);
    expect(readout.read(70)).toEqual({ fps: 2, latency: 35 });
    // A picture drawn with nothing sent since (it was waiting): no latency.
    readout.drawn(80);
    expect(readout.read(80)).toEqual({ fps: 3, latency: 35 });
    expect(readout.read(1045)).toEqual({ fps: 2, latency: 30 });
    // Nothing drawn in the last second (the application did not change):
    // the last latency measured.
    expect(readout.read(1080)).toEqual({ fps: 0, latency: 30 });
  });
});

describe("the viewer's words", () => {
  const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
  it("every language has every key with the same placeholders", () => {
    expect(Object.keys(viewer.strings).sort()).toEqual(["da", "en", "fr", "ja"]);
    for (const [language, table] of Object.entries(viewer.strings)) {
      expect(Object.keys(table).sort(), language).toEqual(Object.keys(viewer.strings.en).sort());
      for (const [key, text] of Object.entries(table)) {
        expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(viewer.strings.en[key]));
        if (language !== "en") expect(text, `${language} ${key} is translated`).not.toBe(viewer.strings.en[key]);
      }
    }
  });

  it("falls back to English and fills placeholders", () => {
    expect(viewer.translate("ja", "picture", { label: "xterm" })).toBe("xterm の画像");
    expect(viewer.translate("xx", "picture", { label: "xterm" })).toBe("Picture of xterm");
    expect(viewer.translate("en", "picture")).toBe("Picture of {label}");
  });
});
