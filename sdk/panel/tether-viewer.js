// Tether stream viewer: shows one stream of pictures (an application shared
// from another participant's computer) on a canvas, and, while the viewer
// is allowed to and chooses to, turns pointer and keys into input frames.
//
// It knows nothing of the plugin that opened the stream: the page gives it
// a container, the stream id, a function that sends a binary frame
// (`panel.sendFrame` in a panel) and the frame helpers of the panel SDK
// (`TetherPanel.frames`), and feeds it every frame of that stream. Load it
// as a classic script after tether-panel.js; it defines `TetherViewer`.
//
// Frames (sdk/protocol/src/stream.rs): a picture is VP8 (WebCodecs
// `VideoDecoder`) or JPEG (`createImageBitmap`); each picture is
// acknowledged once it is drawn (or dropped), because the kernel lets only
// two unacknowledged pictures reach a viewer. At start and after a decoding
// error the viewer asks for a keyframe and says what it decodes (VP8 and
// JPEG, or JPEG only without WebCodecs), so the source switches to what it
// can show.
//
// The pure parts (keysyms, scaling, the picture queue, the readout) are
// exported on `TetherViewer` for tests.
(function (root) {
  "use strict";

  var KIND_PICTURE = 1;
  var KIND_INPUT = 2;
  var KIND_ACK = 3;
  var KIND_KEYFRAME_REQUEST = 4;
  /** Decoders byte of a keyframe request: bit 0 VP8, bit 1 JPEG. */
  var DECODES_VP8 = 0x01;
  var DECODES_JPEG = 0x02;
  /**
   * Pictures skipped while waiting for a keyframe (or for the codec this
   * viewer decodes) before it asks again: about a quarter of a second of a
   * changing window.
   */
  var REASK_AFTER_SKIPPED = 10;
  /** A VP8 picture that shows nothing this long is given up (and acknowledged). */
  var DECODE_WATCHDOG_MS = 1000;
  /** The readout counts pictures drawn in this window. */
  var READOUT_WINDOW_MS = 1000;

  // ---------------------------------------------------------------------
  // Words (the viewer is used on the CSR's console and the customer's page)
  // ---------------------------------------------------------------------

  var STRINGS = {
    en: {
      actual_size: "Actual size (1:1)",
      take_control: "Take control",
      stop_control: "Stop controlling",
      hint_control: "You control this application — press Ctrl+Alt+Shift or the button to stop.",
      hint_click: "You may control this application — click into it.",
      control_taken: "Control was taken back: you can watch this application, not control it.",
      waiting: "Waiting for the first picture…",
      readout: "{fps} fps · {latency} ms from acknowledgement to next picture · {codec} · {width}×{height}",
      picture: "Picture of {label}",
      picture_control: "Picture of {label}, under your control",
    },
    da: {
      actual_size: "Faktisk størrelse (1:1)",
      take_control: "Overtag styringen",
      stop_control: "Stop styringen",
      hint_control: "Du styrer dette program — tryk Ctrl+Alt+Shift eller på knappen for at stoppe.",
      hint_click: "Du må styre dette program — klik i det.",
      control_taken: "Styringen er taget tilbage: du kan se dette program, men ikke styre det.",
      waiting: "Venter på det første billede…",
      readout: "{fps} billeder/s · {latency} ms fra kvittering til næste billede · {codec} · {width}×{height}",
      picture: "Billede af {label}",
      picture_control: "Billede af {label}, som du styrer",
    },
    fr: {
      actual_size: "Taille réelle (1:1)",
      take_control: "Prendre le contrôle",
      stop_control: "Arrêter le contrôle",
      hint_control: "Vous contrôlez cette application — appuyez sur Ctrl+Alt+Maj ou sur le bouton pour arrêter.",
      hint_click: "Vous pouvez contrôler cette application — cliquez dedans.",
      control_taken: "Le contrôle a été repris : vous pouvez regarder cette application, mais plus la contrôler.",
      waiting: "En attente de la première image…",
      readout: "{fps} images/s · {latency} ms de l'accusé de réception à l'image suivante · {codec} · {width}×{height}",
      picture: "Image de {label}",
      picture_control: "Image de {label}, sous votre contrôle",
    },
    ja: {
      actual_size: "実際のサイズ (1:1)",
      take_control: "操作を開始",
      stop_control: "操作を終了",
      hint_control: "このアプリケーションを操作しています。終了するには Ctrl+Alt+Shift かボタンを押してください。",
      hint_click: "このアプリケーションを操作できます。画像の中をクリックしてください。",
      control_taken: "操作権が戻されました。このアプリケーションは表示のみになります。",
      waiting: "最初の画像を待っています…",
      readout: "{fps} fps · 受信確認から次の画像まで {latency} ms · {codec} · {width}×{height}",
      picture: "{label} の画像",
      picture_control: "{label} の画像 (操作中)",
    },
  };

  /** `key` in `language` (English where missing), placeholders filled. */
  function translate(language, key, params) {
    var table = STRINGS[language] || STRINGS.en;
    var template = table[key] !== undefined ? table[key] : STRINGS.en[key];
    if (template === undefined) template = key;
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
    });
  }

  // ---------------------------------------------------------------------
  // Pure: what the viewer says it decodes
  // ---------------------------------------------------------------------

  /** The keyframe request's payload byte: JPEG always, VP8 when WebCodecs decodes it. */
  function decodersByte(vp8) {
    return DECODES_JPEG | (vp8 ? DECODES_VP8 : 0);
  }

  // ---------------------------------------------------------------------
  // Pure: keys to X keysyms
  // ---------------------------------------------------------------------

  /** KeyboardEvent.key values with a keysym of their own (X11 keysymdef.h). */
  var NAMED_KEYSYMS = {
    Backspace: 0xff08,
    Tab: 0xff09,
    Enter: 0xff0d,
    Pause: 0xff13,
    ScrollLock: 0xff14,
    Escape: 0xff1b,
    Home: 0xff50,
    ArrowLeft: 0xff51,
    ArrowUp: 0xff52,
    ArrowRight: 0xff53,
    ArrowDown: 0xff54,
    PageUp: 0xff55,
    PageDown: 0xff56,
    End: 0xff57,
    PrintScreen: 0xff61,
    Insert: 0xff63,
    ContextMenu: 0xff67,
    NumLock: 0xff7f,
    CapsLock: 0xffe5,
    Delete: 0xffff,
    // AltGr: what a layout's third level needs.
    AltGraph: 0xfe03,
  };

  /**
   * Modifiers: left and right differ in X (the KeyboardEvent says which in
   * `code`). The browser's Meta is the Windows/Super key, which X desktops
   * map to Super_L/Super_R.
   */
  var SIDED_KEYSYMS = {
    Shift: [0xffe1, 0xffe2],
    Control: [0xffe3, 0xffe4],
    Alt: [0xffe9, 0xffea],
    Meta: [0xffeb, 0xffec],
    // Older Firefox's name for the same key.
    OS: [0xffeb, 0xffec],
  };

  var F1 = 0xffbe;

  /**
   * The X keysym for a key (`KeyboardEvent.key` and `.code`), or `null`
   * for keys that have none here (dead keys, IME processing, unidentified):
   * such keys are not sent.
   */
  function keysymFor(key, code) {
    if (typeof key !== "string" || key === "") return null;
    if (Object.prototype.hasOwnProperty.call(NAMED_KEYSYMS, key)) return NAMED_KEYSYMS[key];
    if (Object.prototype.hasOwnProperty.call(SIDED_KEYSYMS, key)) {
      return SIDED_KEYSYMS[key][/Right$/.test(code || "") ? 1 : 0];
    }
    var f = /^F([1-9]|1[0-2])$/.exec(key);
    if (f) return F1 + Number(f[1]) - 1;
    // One character (one code point, which may be two UTF-16 units).
    var point = key.codePointAt(0);
    if (String.fromCodePoint(point) !== key) return null;
    // Latin-1 printable characters are their own keysym.
    if ((point >= 0x20 && point <= 0x7e) || (point >= 0xa0 && point <= 0xff)) return point;
    // Everything else printable: the Unicode keysym range.
    if (point > 0xff && !/[\p{Cc}\p{Cs}]/u.test(key)) return 0x01000000 + point;
    return null;
  }

  /**
   * Which keysym each physical key sent when it went down, so its release
   * sends the same one (Shift released before "A" makes the browser say
   * "a" on the way up), and what to release when control ends.
   */
  function KeyTracker() {
    this.down = new Map();
  }

  /** A key went down (or repeats): its keysym, or `null` to send nothing. */
  KeyTracker.prototype.press = function (key, code) {
    var keysym = keysymFor(key, code);
    if (keysym === null) return null;
    this.down.set(code || key, keysym);
    return keysym;
  };

  /** A key went up: the keysym it went down with, or `null` if none was sent. */
  KeyTracker.prototype.release = function (key, code) {
    var id = code || key;
    if (!this.down.has(id)) return null;
    var keysym = this.down.get(id);
    this.down.delete(id);
    return keysym;
  };

  /** Every key still down (to release when control ends); forgets them. */
  KeyTracker.prototype.releaseAll = function () {
    var keysyms = Array.from(this.down.values());
    this.down.clear();
    return keysyms;
  };

  /**
   * Ctrl+Alt+Shift together leaves control: the third of them pressed
   * while the other two are held.
   */
  function isLeaveCombination(event) {
    var modifier = event.key === "Control" || event.key === "Alt" || event.key === "Shift";
    return modifier && !!event.ctrlKey && !!event.altKey && !!event.shiftKey;
  }

  // ---------------------------------------------------------------------
  // Pure: whether the viewer may control, and whether it does
  // ---------------------------------------------------------------------

  /**
   * The viewer's control mode, without I/O. Control is *allowed* from
   * outside (the host under the customer's app.control permission; the
   * customer the kernel names a CSR application's controller) and
   * *entered* by the viewer's own click; it ends when the viewer leaves
   * (a key combination, a button, the window losing focus) or when it is
   * no longer allowed — then at once, and with `cause` (`"taken_back"`)
   * the viewer says so until it is allowed again.
   *
   * `hint()` is the key of what the viewer says: `hint_control` while in
   * control, `hint_click` while allowed, `control_taken` after control was
   * taken back, else `""`.
   */
  function ControlState() {
    this.allowed = false;
    this.active = false;
    this.taken = false;
  }

  /**
   * Control allowed or not (any more). Returns `true` when the viewer was
   * in control and has left it (its keys and buttons are to be released).
   */
  ControlState.prototype.allow = function (allowed, cause) {
    if (allowed) {
      this.allowed = true;
      this.taken = false;
      return false;
    }
    var wasActive = this.active;
    this.taken = cause === "taken_back" && (this.allowed || this.taken);
    this.allowed = false;
    this.active = false;
    return wasActive;
  };

  /** The viewer clicked in (with a picture to control, `ready`): whether it now controls. */
  ControlState.prototype.enter = function (ready) {
    if (!this.allowed || this.active || !ready) return false;
    this.active = true;
    return true;
  };

  /** The viewer leaves control: whether it was in control. */
  ControlState.prototype.leave = function () {
    var wasActive = this.active;
    this.active = false;
    return wasActive;
  };

  ControlState.prototype.hint = function () {
    if (this.active) return "hint_control";
    if (this.allowed) return "hint_click";
    return this.taken ? "control_taken" : "";
  };

  // ---------------------------------------------------------------------
  // Pure: scaling and pointer coordinates
  // ---------------------------------------------------------------------

  /**
   * The canvas's size on the page for a `width`×`height` picture: its own
   * pixels (`actualSize`, scrolling when larger than the box), or fitted
   * into `boxWidth`×`boxHeight` keeping the aspect ratio — shrunk, never
   * enlarged beyond its pixels (a small window stays sharp).
   */
  function fitSize(width, height, boxWidth, boxHeight, actualSize) {
    if (actualSize || !(boxWidth > 0) || !(boxHeight > 0)) return { width: width, height: height, scale: 1 };
    var scale = Math.min(1, boxWidth / width, boxHeight / height);
    return {
      width: Math.max(1, Math.floor(width * scale)),
      height: Math.max(1, Math.floor(height * scale)),
      scale: scale,
    };
  }

  /**
   * Where a pointer at `clientX`,`clientY` is in the picture's pixels, given
   * where the canvas is drawn (`rect`, as getBoundingClientRect says):
   * scaled back, clamped into the picture (a drag may leave the canvas).
   */
  function pictureCoordinates(clientX, clientY, rect, width, height) {
    var x = rect.width > 0 ? ((clientX - rect.left) * width) / rect.width : 0;
    var y = rect.height > 0 ? ((clientY - rect.top) * height) / rect.height : 0;
    return {
      x: Math.min(width - 1, Math.max(0, Math.floor(x))),
      y: Math.min(height - 1, Math.max(0, Math.floor(y))),
    };
  }

  /** X pointer button for a DOM `MouseEvent.button` (left, middle, right), else `null`. */
  function pointerButton(domButton) {
    return { 0: 1, 1: 2, 2: 3 }[domButton] || null;
  }

  /** How far one wheel click goes, per `WheelEvent.deltaMode` (pixels, lines, pages). */
  var WHEEL_CLICK = [100, 3, 1];
  var MAX_WHEEL_CLICKS = 10;

  /**
   * Turns wheel deltas into X wheel clicks (button 4 up, 5 down),
   * accumulating small ones (touchpads send many).
   */
  function WheelAccumulator() {
    this.rest = 0;
  }

  /** Clicks to send for one wheel event: a list of 4s or 5s. */
  WheelAccumulator.prototype.add = function (deltaY, deltaMode) {
    var unit = WHEEL_CLICK[deltaMode] || WHEEL_CLICK[0];
    this.rest += deltaY / unit;
    var whole = this.rest < 0 ? Math.ceil(this.rest) : Math.floor(this.rest);
    this.rest -= whole;
    var count = Math.min(MAX_WHEEL_CLICKS, Math.abs(whole));
    var clicks = [];
    for (var i = 0; i < count; i++) clicks.push(whole < 0 ? 4 : 5);
    return clicks;
  };

  // ---------------------------------------------------------------------
  // Pure: which picture to decode, what to acknowledge, when to ask for a keyframe
  // ---------------------------------------------------------------------

  /** A picture that decodes on its own: every JPEG, and VP8 keyframes. */
  function standalone(picture) {
    return picture.codec === "jpeg" || !!picture.keyframe;
  }

  /**
   * The viewer's picture bookkeeping, without I/O: one picture decoding at
   * a time and at most one waiting (a newer one replaces it: the newest
   * picture matters, not a queue of stale ones). Every picture is
   * acknowledged exactly once, drawn or not — the kernel lets only two
   * unacknowledged pictures reach a viewer, so one never acknowledged would
   * stall the stream. A VP8 picture that is not a keyframe needs the one
   * before it: when that one is dropped or fails, the viewer skips to the
   * next keyframe and asks for it — once, and again after every
   * REASK_AFTER_SKIPPED pictures it had to skip meanwhile: a request can
   * be lost (one sent as the stream opens reaches the source before its
   * share has started), and a viewer that only waited would wait for ever
   * (without WebCodecs, on VP8 pictures it cannot decode).
   *
   * Pictures are `{sequence, keyframe, codec}`; `decodes` says which codecs
   * this viewer can decode (`{vp8, jpeg}`). Each method returns an outcome
   * `{acks: [sequence…], requestKeyframe, reset, decode}`: acknowledge
   * those, ask for a keyframe, reset the video decoder, start decoding
   * `decode` (or nothing when `null`).
   */
  function PictureQueue(decodes) {
    this.decodes = { vp8: !!(decodes && decodes.vp8), jpeg: !(decodes && decodes.jpeg === false) };
    this.decoding = null;
    this.waiting = null;
    // Nothing shown yet: start at a keyframe.
    this.needKeyframe = true;
    this.keyframeAsked = false;
    // Pictures skipped since the last keyframe request.
    this.skipped = 0;
  }

  function outcome() {
    return { acks: [], requestKeyframe: false, reset: false, decode: null };
  }

  /** The viewer opened: ask for a keyframe. */
  PictureQueue.prototype.start = function () {
    var result = outcome();
    this.keyframeAsked = false;
    result.requestKeyframe = this.askKeyframe();
    return result;
  };

  PictureQueue.prototype.askKeyframe = function () {
    if (this.keyframeAsked) return false;
    this.keyframeAsked = true;
    this.skipped = 0;
    return true;
  };

  /**
   * A picture was skipped while a keyframe this viewer can decode is
   * awaited: after enough of them, the request is repeated.
   */
  PictureQueue.prototype.skip = function () {
    this.skipped += 1;
    if (this.skipped >= REASK_AFTER_SKIPPED) this.keyframeAsked = false;
    return this.lose();
  };

  /** The chain of VP8 pictures is broken: skip to the next keyframe. */
  PictureQueue.prototype.lose = function () {
    this.needKeyframe = true;
    return this.askKeyframe();
  };

  /** A picture arrived. */
  PictureQueue.prototype.arrive = function (picture) {
    var result = outcome();
    if (!this.decodes[picture.codec]) {
      // Sent before the source heard what this viewer decodes.
      result.acks.push(picture.sequence);
      result.requestKeyframe = this.skip();
      return result;
    }
    if (standalone(picture)) {
      this.needKeyframe = false;
      this.keyframeAsked = false;
      this.skipped = 0;
    } else if (this.needKeyframe) {
      result.acks.push(picture.sequence);
      result.requestKeyframe = this.skip();
      return result;
    }
    if (!this.decoding) {
      this.decoding = picture;
      result.decode = picture;
      return result;
    }
    if (this.waiting) {
      result.acks.push(this.waiting.sequence);
      this.waiting = null;
      if (!standalone(picture)) {
        // It needs the picture just dropped.
        result.acks.push(picture.sequence);
        result.requestKeyframe = this.lose();
        return result;
      }
    }
    this.waiting = picture;
    return result;
  };

  /**
   * The picture being decoded was drawn (`drawn`) or could not be: it is
   * acknowledged either way; after a failure the decoder is reset and a
   * keyframe asked for. The waiting picture, if any still decodes, is next.
   */
  PictureQueue.prototype.finished = function (picture, drawn) {
    var result = outcome();
    if (picture !== this.decoding) return result;
    this.decoding = null;
    result.acks.push(picture.sequence);
    if (!drawn) {
      result.reset = true;
      if (this.waiting && standalone(this.waiting)) {
        // It starts a chain of its own; a fresh keyframe is asked for anyway.
        result.requestKeyframe = this.askKeyframe();
      } else {
        if (this.waiting) result.acks.push(this.waiting.sequence);
        this.waiting = null;
        result.requestKeyframe = this.lose();
      }
    }
    if (this.waiting) {
      this.decoding = this.waiting;
      this.waiting = null;
      result.decode = this.decoding;
    }
    return result;
  };

  // ---------------------------------------------------------------------
  // Pure: frame rate and latency
  // ---------------------------------------------------------------------

  /**
   * Frame rate (pictures drawn in the last second) and latency: the time
   * from this viewer's acknowledgement of the previous picture drawn (or
   * its keyframe request) to the next picture drawn — how long the viewer
   * waits for a picture once it is ready for one, through kernel, source,
   * encoder, network and decoder. Times in milliseconds from any clock.
   */
  function Readout() {
    this.draws = [];
    this.readyAt = null;
    // Said while nothing is drawn (an application that does not change
    // sends no pictures): the last latency measured.
    this.lastLatency = null;
  }

  /** The viewer sent the acknowledgement of a drawn picture, or a keyframe request. */
  Readout.prototype.ready = function (now) {
    this.readyAt = now;
  };

  /** A picture was drawn. */
  Readout.prototype.drawn = function (now) {
    var latency = this.readyAt === null ? null : Math.max(0, now - this.readyAt);
    this.readyAt = null;
    if (latency !== null) this.lastLatency = latency;
    this.draws.push({ at: now, latency: latency });
    this.forget(now);
  };

  Readout.prototype.forget = function (now) {
    while (this.draws.length && now - this.draws[0].at >= READOUT_WINDOW_MS) this.draws.shift();
  };

  /**
   * `{fps, latency}`: pictures drawn in the last second and their mean
   * latency (the last one measured when none was; null before any).
   */
  Readout.prototype.read = function (now) {
    this.forget(now);
    var latencies = this.draws
      .map(function (draw) {
        return draw.latency;
      })
      .filter(function (latency) {
        return latency !== null;
      });
    var sum = latencies.reduce(function (a, b) {
      return a + b;
    }, 0);
    var latency = latencies.length ? sum / latencies.length : this.lastLatency;
    return { fps: this.draws.length, latency: latency === null ? null : Math.round(latency) };
  };

  // ---------------------------------------------------------------------
  // The viewer (DOM, WebCodecs, input)
  // ---------------------------------------------------------------------

  /** Whether this page was asked to do without WebCodecs (`?nowebcodecs`). */
  function webCodecsForbiddenByPage() {
    try {
      return new URLSearchParams(root.location.search).has("nowebcodecs");
    } catch (error) {
      return false;
    }
  }

  /** Resolves with `{vp8, jpeg}`: what this browser can decode. */
  function probeDecoders(forceJpeg) {
    var jpegOnly = { vp8: false, jpeg: true };
    if (forceJpeg || typeof root.VideoDecoder !== "function" || typeof root.EncodedVideoChunk !== "function") {
      return Promise.resolve(jpegOnly);
    }
    return root.VideoDecoder.isConfigSupported({ codec: "vp8" }).then(
      function (support) {
        return { vp8: !!(support && support.supported), jpeg: true };
      },
      function () {
        return jpegOnly;
      },
    );
  }

  function now() {
    return root.performance && root.performance.now ? root.performance.now() : Date.now();
  }

  var encoder = new TextEncoder();

  /**
   * Shows stream `options.stream` inside `container`.
   *
   * options:
   * - `stream`: the stream id;
   * - `send(arrayBuffer)`: sends one binary frame (`panel.sendFrame`);
   * - `frames`: `{encode, picture}` as `TetherPanel.frames` (the default);
   * - `label`: what is shown (the canvas's accessible name);
   * - `locale`: a language code, or a function returning the current one;
   * - `forceJpeg`: decode without WebCodecs (also `?nowebcodecs` in the page's address);
   * - `canvasId`: the canvas's id (default `tether-viewer-<stream>`);
   * - `onControlChange(inControl)`: called when the viewer enters or leaves control.
   *
   * Feed it every frame of the stream with `receive(frame)` (a decoded
   * frame as `TetherPanel.frames.decode` returns). `setControl(allowed,
   * {cause})` offers control or ends it; `destroy()` ends it all.
   */
  function create(container, options) {
    var stream = options.stream;
    var frames = options.frames || (root.TetherPanel && root.TetherPanel.frames);
    if (!frames || typeof frames.encode !== "function" || typeof frames.picture !== "function") {
      throw new Error("TetherViewer needs the frame helpers of tether-panel.js");
    }
    var send = options.send;
    var label = options.label || "";
    var forceJpeg = !!options.forceJpeg || webCodecsForbiddenByPage();
    var language = function () {
      var value = typeof options.locale === "function" ? options.locale() : options.locale;
      return value || "en";
    };
    var t = function (key, params) {
      return translate(language(), key, params);
    };

    var queue = null; // until the decoders are known
    var readout = new Readout();
    var keys = new KeyTracker();
    var wheel = new WheelAccumulator();
    var inputSequence = 0;
    var destroyed = false;
    var control = new ControlState();
    var actualSize = false;
    var picture = { width: 0, height: 0, codec: "" };
    var drawnCount = 0;
    var errorCount = 0;
    var buttonsDown = new Set();
    var lastPointer = null;
    var pointerToSend = null;
    var animationFrame = 0;

    // VP8
    var decoder = null;
    var decoderSize = null;
    var decodingPicture = null;
    var watchdog = 0;

    // --- the DOM ---
    var doc = container.ownerDocument;
    function make(tag, className, text) {
      var element = doc.createElement(tag);
      if (className) element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    }
    var section = make("div", "tv-viewer");
    section.setAttribute("data-stream", String(stream));
    section.setAttribute("data-control", "off");
    var toolbar = make("div", "tv-toolbar");
    var sizeButton = make("button", "tv-actual-size");
    sizeButton.type = "button";
    sizeButton.setAttribute("aria-pressed", "false");
    sizeButton.setAttribute("data-test", "viewer-actual-size");
    var controlButton = make("button", "tv-control");
    controlButton.type = "button";
    controlButton.hidden = true;
    controlButton.setAttribute("data-test", "viewer-control");
    var readoutText = make("span", "tv-readout");
    readoutText.setAttribute("data-test", "viewer-readout");
    toolbar.append(sizeButton, controlButton, readoutText);
    var hint = make("p", "tv-hint");
    hint.setAttribute("role", "status");
    hint.setAttribute("data-test", "viewer-hint");
    var viewport = make("div", "tv-viewport");
    var canvas = make("canvas", "tv-canvas");
    canvas.id = options.canvasId || "tether-viewer-" + stream;
    canvas.width = 1;
    canvas.height = 1;
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("data-frames", "0");
    canvas.setAttribute("data-codec", "");
    viewport.append(canvas);
    section.append(toolbar, hint, viewport);
    container.append(section);
    var context2d = canvas.getContext("2d");

    function relabel() {
      sizeButton.textContent = t("actual_size");
      var inControl = control.active;
      controlButton.textContent = t(inControl ? "stop_control" : "take_control");
      controlButton.hidden = !control.allowed;
      var hintKey = control.hint();
      hint.textContent = hintKey ? t(hintKey) : "";
      hint.classList.toggle("tv-hint-control", inControl);
      hint.classList.toggle("tv-hint-offer", hintKey === "hint_click");
      hint.classList.toggle("tv-hint-taken", hintKey === "control_taken");
      canvas.setAttribute("aria-label", t(inControl ? "picture_control" : "picture", { label: label }));
      section.classList.toggle("tv-in-control", inControl);
      section.setAttribute("data-control", inControl ? "on" : "off");
      section.setAttribute("data-control-allowed", control.allowed ? "true" : "false");
      showReadout();
    }

    function showReadout() {
      if (!drawnCount) {
        readoutText.textContent = t("waiting");
        return;
      }
      var numbers = readout.read(now());
      readoutText.textContent = t("readout", {
        fps: numbers.fps,
        latency: numbers.latency === null ? "–" : numbers.latency,
        codec: picture.codec.toUpperCase(),
        width: picture.width,
        height: picture.height,
      });
    }
    var readoutTimer = root.setInterval(showReadout, 500);

    function fit() {
      if (!picture.width) return;
      var maxHeight = parseFloat(root.getComputedStyle(viewport).maxHeight);
      if (!(maxHeight > 0)) maxHeight = root.innerHeight;
      // The room is the viewer's width (the viewport itself shrinks to the
      // picture), less the viewport's border.
      var borderX = viewport.offsetWidth - viewport.clientWidth;
      var borderY = viewport.offsetHeight - viewport.clientHeight;
      var size = fitSize(picture.width, picture.height, section.clientWidth - borderX, maxHeight - borderY, actualSize);
      canvas.style.width = size.width + "px";
      canvas.style.height = size.height + "px";
      section.classList.toggle("tv-actual", actualSize);
    }
    var resizeObserver = typeof root.ResizeObserver === "function" ? new root.ResizeObserver(fit) : null;
    if (resizeObserver) resizeObserver.observe(section);

    // --- frames out ---
    function sendFrame(kind, sequence, payload) {
      if (destroyed) return;
      send(frames.encode({ kind: kind, keyframe: false, stream: stream, sequence: sequence >>> 0, payload: payload }));
    }

    function apply(result, drawnNow) {
      result.acks.forEach(function (sequence) {
        sendFrame(KIND_ACK, sequence, new Uint8Array(0));
      });
      if (drawnNow !== undefined) readout.ready(drawnNow);
      if (result.requestKeyframe) {
        sendFrame(KIND_KEYFRAME_REQUEST, 0, new Uint8Array([decodersByte(queue.decodes.vp8)]));
        readout.ready(now());
      }
      if (result.reset) resetDecoder();
      if (result.decode) decode(result.decode);
    }

    // --- decoding ---
    function finish(item, drawn) {
      if (destroyed || decodingPicture !== item) return;
      decodingPicture = null;
      root.clearTimeout(watchdog);
      var at = now();
      if (drawn) {
        readout.drawn(at);
        drawnCount += 1;
        canvas.setAttribute("data-frames", String(drawnCount));
      } else {
        errorCount += 1;
        canvas.setAttribute("data-errors", String(errorCount));
      }
      apply(queue.finished(item, drawn), drawn ? at : undefined);
    }

    function draw(image, item) {
      if (canvas.width !== item.width || canvas.height !== item.height) {
        canvas.width = item.width;
        canvas.height = item.height;
      }
      var resized = picture.width !== item.width || picture.height !== item.height;
      picture = { width: item.width, height: item.height, codec: item.codec };
      canvas.setAttribute("data-codec", item.codec);
      context2d.drawImage(image, 0, 0, item.width, item.height);
      if (resized) fit();
      if (drawnCount === 0) showReadout();
    }

    function decode(item) {
      decodingPicture = item;
      if (item.codec === "jpeg") {
        root
          .createImageBitmap(new Blob([item.data], { type: "image/jpeg" }))
          .then(function (bitmap) {
            if (!destroyed && decodingPicture === item) draw(bitmap, item);
            bitmap.close();
            finish(item, true);
          })
          .catch(function () {
            finish(item, false);
          });
        return;
      }
      try {
        videoDecoderFor(item);
        watchdog = root.setTimeout(function () {
          // No picture came out: treated as a failure (acknowledged, the
          // decoder reset and a keyframe asked for) rather than waiting forever.
          finish(item, false);
        }, DECODE_WATCHDOG_MS);
        decoder.decode(
          new root.EncodedVideoChunk({
            type: item.keyframe ? "key" : "delta",
            timestamp: item.sequence,
            data: item.data,
          }),
        );
      } catch (error) {
        finish(item, false);
      }
    }

    /** A configured decoder for this picture's size (a size change comes with a keyframe). */
    function videoDecoderFor(item) {
      if (!decoder || decoder.state === "closed") {
        decoderSize = null;
        decoder = new root.VideoDecoder({
          output: function (videoFrame) {
            var item = decodingPicture;
            try {
              if (item && !destroyed) draw(videoFrame, item);
            } finally {
              videoFrame.close();
            }
            if (item) finish(item, true);
          },
          error: function () {
            // The decoder closes itself after an error; a new one is made.
            if (decodingPicture) finish(decodingPicture, false);
          },
        });
      }
      if (!decoderSize || decoderSize.width !== item.width || decoderSize.height !== item.height) {
        if (!item.keyframe) throw new Error("a new picture size starts with a keyframe");
        decoder.configure({ codec: "vp8", codedWidth: item.width, codedHeight: item.height, optimizeForLatency: true });
        decoderSize = { width: item.width, height: item.height };
      }
    }

    function resetDecoder() {
      if (decoder && decoder.state !== "closed") {
        try {
          decoder.close();
        } catch (error) {
          // Closed already.
        }
      }
      decoder = null;
      decoderSize = null;
    }

    // --- frames in ---
    /** One decoded frame of this stream (pictures; anything else is not for a viewer). */
    function receive(frame) {
      if (destroyed || !frame || frame.stream !== stream || frame.kind !== KIND_PICTURE) return;
      var item;
      try {
        var decoded = frames.picture(frame.payload);
        item = {
          sequence: frame.sequence,
          keyframe: !!frame.keyframe || decoded.codec === "jpeg",
          codec: decoded.codec,
          width: decoded.width,
          height: decoded.height,
          data: decoded.data,
        };
      } catch (error) {
        // Not a picture this viewer understands: acknowledged, and a
        // keyframe asked for, as after a decoding error.
        errorCount += 1;
        sendFrame(KIND_ACK, frame.sequence, new Uint8Array(0));
        if (queue) apply({ acks: [], requestKeyframe: queue.lose(), reset: false, decode: null });
        return;
      }
      if (!queue) {
        // Still finding out what this browser decodes; the keyframe asked
        // for then replaces it.
        sendFrame(KIND_ACK, item.sequence, new Uint8Array(0));
        return;
      }
      apply(queue.arrive(item));
    }

    // --- input ---
    function sendInput(event) {
      if (!control.active) return;
      inputSequence = (inputSequence + 1) >>> 0;
      sendFrame(KIND_INPUT, inputSequence, encoder.encode(JSON.stringify(event)));
    }

    function position(event) {
      return pictureCoordinates(event.clientX, event.clientY, canvas.getBoundingClientRect(), picture.width, picture.height);
    }

    function flushPointer() {
      animationFrame = 0;
      if (!pointerToSend) return;
      var point = pointerToSend;
      pointerToSend = null;
      if (lastPointer && lastPointer.x === point.x && lastPointer.y === point.y) return;
      lastPointer = point;
      sendInput({ type: "pointer_move", x: point.x, y: point.y });
    }

    function enterControl() {
      if (destroyed || !control.enter(picture.width > 0)) return;
      lastPointer = null;
      canvas.focus({ preventScroll: true });
      relabel();
      controlChanged();
    }

    /** Releases every key and button still down on the other computer (while input may still go). */
    function releaseAll() {
      keys.releaseAll().forEach(function (keysym) {
        sendInput({ type: "key", keysym: keysym, pressed: false });
      });
      var at = lastPointer || { x: 0, y: 0 };
      buttonsDown.forEach(function (button) {
        sendInput({ type: "pointer_button", x: at.x, y: at.y, button: button, pressed: false });
      });
    }

    /** Forgets what was held and pending once control is over. */
    function forgetInput() {
      keys.releaseAll();
      buttonsDown.clear();
      pointerToSend = null;
    }

    function leaveControl() {
      if (!control.active) return;
      // Nothing stays pressed on the other computer.
      releaseAll();
      control.leave();
      forgetInput();
      relabel();
      controlChanged();
    }

    function controlChanged() {
      if (typeof options.onControlChange === "function") options.onControlChange(control.active);
    }

    var listeners = [];
    function listen(target, type, handler, listenerOptions) {
      target.addEventListener(type, handler, listenerOptions);
      listeners.push([target, type, handler, listenerOptions]);
    }

    listen(canvas, "pointerdown", function (event) {
      if (!control.allowed) return;
      event.preventDefault();
      if (!control.active) {
        // The click that enters control is not passed on.
        enterControl();
        return;
      }
      var button = pointerButton(event.button);
      if (!button) return;
      var point = position(event);
      lastPointer = point;
      pointerToSend = null;
      buttonsDown.add(button);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
      sendInput({ type: "pointer_button", x: point.x, y: point.y, button: button, pressed: true });
    });
    listen(canvas, "pointerup", function (event) {
      if (!control.active) return;
      event.preventDefault();
      var button = pointerButton(event.button);
      if (!button || !buttonsDown.has(button)) return;
      buttonsDown.delete(button);
      var point = position(event);
      lastPointer = point;
      pointerToSend = null;
      sendInput({ type: "pointer_button", x: point.x, y: point.y, button: button, pressed: false });
    });
    listen(canvas, "pointermove", function (event) {
      if (!control.active) return;
      pointerToSend = position(event);
      // Coalesced: at most one move per displayed frame.
      if (!animationFrame) animationFrame = root.requestAnimationFrame(flushPointer);
    });
    listen(
      canvas,
      "wheel",
      function (event) {
        if (!control.active) return;
        event.preventDefault();
        var point = position(event);
        wheel.add(event.deltaY, event.deltaMode).forEach(function (button) {
          sendInput({ type: "pointer_button", x: point.x, y: point.y, button: button, pressed: true });
          sendInput({ type: "pointer_button", x: point.x, y: point.y, button: button, pressed: false });
        });
      },
      { passive: false },
    );
    listen(canvas, "contextmenu", function (event) {
      if (control.active) event.preventDefault();
    });
    listen(canvas, "keydown", function (event) {
      if (!control.active) return;
      event.preventDefault();
      event.stopPropagation();
      if (isLeaveCombination(event)) {
        leaveControl();
        return;
      }
      if (event.isComposing) return;
      var keysym = keys.press(event.key, event.code);
      if (keysym !== null) sendInput({ type: "key", keysym: keysym, pressed: true });
    });
    listen(canvas, "keyup", function (event) {
      if (!control.active) return;
      event.preventDefault();
      event.stopPropagation();
      var keysym = keys.release(event.key, event.code);
      if (keysym !== null) sendInput({ type: "key", keysym: keysym, pressed: false });
    });
    listen(canvas, "blur", leaveControl);
    listen(root, "blur", leaveControl);
    listen(sizeButton, "click", function () {
      actualSize = !actualSize;
      sizeButton.setAttribute("aria-pressed", actualSize ? "true" : "false");
      fit();
    });
    // Pressing the button must not take the focus from the canvas first
    // (that alone would leave control, and the click enter it again).
    listen(controlButton, "mousedown", function (event) {
      event.preventDefault();
    });
    listen(controlButton, "click", function () {
      if (control.active) leaveControl();
      else enterControl();
    });

    relabel();
    probeDecoders(forceJpeg).then(function (decodes) {
      if (destroyed) return;
      queue = new PictureQueue(decodes);
      canvas.setAttribute("data-decoders", decodes.vp8 ? "vp8 jpeg" : "jpeg");
      apply(queue.start());
    });

    return {
      stream: stream,
      element: section,
      canvas: canvas,
      receive: receive,
      /**
       * Whether this viewer may take control. When no longer, it leaves
       * control at once; `options.cause` `"taken_back"` says so in its hint
       * (until allowed again) and sends nothing more — the input would be
       * refused (the customer whose control a CSR took back), so keys still
       * down are the source's to release.
       */
      setControl: function (allowed, setOptions) {
        var takenBack = !!setOptions && setOptions.cause === "taken_back";
        if (!allowed && control.active && !takenBack) releaseAll();
        var left = control.allow(!!allowed, takenBack ? "taken_back" : undefined);
        if (left) forgetInput();
        relabel();
        if (left) controlChanged();
      },
      get inControl() {
        return control.active;
      },
      get controlAllowed() {
        return control.allowed;
      },
      setLabel: function (text) {
        label = text || "";
        relabel();
      },
      /** The language changed. */
      relabel: relabel,
      setActualSize: function (actual) {
        actualSize = !!actual;
        sizeButton.setAttribute("aria-pressed", actualSize ? "true" : "false");
        fit();
      },
      destroy: function () {
        if (destroyed) return;
        leaveControl();
        destroyed = true;
        root.clearInterval(readoutTimer);
        root.clearTimeout(watchdog);
        if (animationFrame) root.cancelAnimationFrame(animationFrame);
        if (resizeObserver) resizeObserver.disconnect();
        listeners.forEach(function (entry) {
          entry[0].removeEventListener(entry[1], entry[2], entry[3]);
        });
        resetDecoder();
        section.remove();
      },
    };
  }

  root.TetherViewer = {
    create: create,
    strings: STRINGS,
    translate: translate,
    // The pure parts, for tests and for other viewers.
    decodersByte: decodersByte,
    keysymFor: keysymFor,
    KeyTracker: KeyTracker,
    isLeaveCombination: isLeaveCombination,
    fitSize: fitSize,
    pictureCoordinates: pictureCoordinates,
    pointerButton: pointerButton,
    WheelAccumulator: WheelAccumulator,
    ControlState: ControlState,
    PictureQueue: PictureQueue,
    REASK_AFTER_SKIPPED: REASK_AFTER_SKIPPED,
    Readout: Readout,
  };
})(typeof window !== "undefined" ? window : globalThis);
