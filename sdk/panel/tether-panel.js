// Tether panel SDK: the guest side of the console's postMessage bridge.
//
// A plugin panel is a static page the kernel serves from the plugin's
// `ui/` folder into an iframe sandboxed without same-origin. It cannot
// read the console's cookies or call the REST API (the kernel serves it
// with `connect-src 'none'`); it reaches its own plugin only through
// `panel.command(...)`. Load this file with a classic
// `<script src="tether-panel.js">` (module scripts would need CORS from an
// opaque origin), then call `TetherPanel.connect({ strings })`.
//
// A panel whose plugin opens streams (application sharing) is told about
// them (`panel.onStream`: opened, who controls one, closed), gets their
// frames (`panel.onFrame`) and sends acknowledgements, keyframe requests
// and input back (`panel.sendFrame`) — or pictures, on a stream its own
// console shares from the browser; `TetherPanel.frames` reads and writes
// the frames. `panel.agentCode()` gets a one-time code for the helper
// program of whoever uses the page (the CSR's own agent, on the console).
// `panel.captureDisplay()` has the console capture a window or tab for the
// panel (a sandboxed panel may not itself), whose pictures the panel takes
// as ImageBitmaps (`panel.captureFrame`). A `csr-menu` panel (WebACD's
// Transfer session) shows its menu button beside Pass control with
// `panel.showMenu(true)` — hidden until then — and closes its open menu with
// `panel.closeMenu()`; Escape in the panel closes it too.
//
// Protocol: sdk/panel/README.md.
(function () {
  "use strict";
  var BRIDGE_VERSION = 1;

  // Stream frames (sdk/protocol/src/stream.rs): a 12-byte big-endian header
  // — version, kind, flags, reserved, stream id, sequence — and a payload.
  var FRAME_VERSION = 1;
  var HEADER_BYTES = 12;
  var KINDS = { picture: 1, input: 2, ack: 3, keyframeRequest: 4 };
  var KEYFRAME_FLAG = 1;
  var PICTURE_PREFIX_BYTES = 6;
  var CODECS = { 1: "vp8", 2: "jpeg" };

  function bytesOf(data, what) {
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    throw new TypeError(what + " must be an ArrayBuffer or a typed array");
  }

  /**
   * One frame's header and payload: `{kind, keyframe, stream, sequence,
   * payload}` (`payload` a Uint8Array over the same bytes). Throws a
   * RangeError for anything that is not a frame of this version.
   */
  function decodeFrame(buffer) {
    var bytes = bytesOf(buffer, "a frame");
    if (bytes.length < HEADER_BYTES) throw new RangeError("a stream frame has a 12-byte header");
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint8(0) !== FRAME_VERSION) throw new RangeError("stream frame version " + view.getUint8(0) + " is not spoken here");
    var kind = view.getUint8(1);
    if (kind < KINDS.picture || kind > KINDS.keyframeRequest) throw new RangeError("unknown stream frame kind " + kind);
    return {
      kind: kind,
      keyframe: (view.getUint8(2) & KEYFRAME_FLAG) !== 0,
      stream: view.getUint32(4),
      sequence: view.getUint32(8),
      payload: bytes.subarray(HEADER_BYTES),
    };
  }

  /**
   * A frame as an ArrayBuffer, from `{kind, keyframe, stream, sequence,
   * payload}`: `kind` a number (`TetherPanel.frames.kinds`) or its name,
   * `payload` an ArrayBuffer or typed array (or nothing).
   */
  function encodeFrame(frame) {
    var kind = typeof frame.kind === "string" ? KINDS[frame.kind] : frame.kind;
    if (!(kind >= KINDS.picture && kind <= KINDS.keyframeRequest)) throw new RangeError("unknown stream frame kind " + frame.kind);
    var stream = frame.stream;
    if (!(Number.isInteger(stream) && stream > 0 && stream <= 0xffffffff)) throw new RangeError("a stream id is a whole number from 1 to 2³²-1");
    var sequence = frame.sequence === undefined ? 0 : frame.sequence;
    if (!(Number.isInteger(sequence) && sequence >= 0 && sequence <= 0xffffffff)) throw new RangeError("a sequence is a whole number from 0 to 2³²-1");
    var payload = frame.payload === undefined || frame.payload === null ? new Uint8Array(0) : bytesOf(frame.payload, "a payload");
    var buffer = new ArrayBuffer(HEADER_BYTES + payload.length);
    var view = new DataView(buffer);
    view.setUint8(0, FRAME_VERSION);
    view.setUint8(1, kind);
    view.setUint8(2, frame.keyframe ? KEYFRAME_FLAG : 0);
    view.setUint32(4, stream);
    view.setUint32(8, sequence);
    new Uint8Array(buffer, HEADER_BYTES).set(payload);
    return buffer;
  }

  /**
   * A picture frame's payload: `{codec: "vp8" | "jpeg", width, height,
   * data}` (`data` the encoded picture, a Uint8Array). Throws a RangeError
   * for anything else.
   */
  function decodePicture(payload) {
    var bytes = bytesOf(payload, "a picture");
    if (bytes.length < PICTURE_PREFIX_BYTES) throw new RangeError("a picture starts with a 6-byte prefix");
    var view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    var codec = CODECS[view.getUint8(0)];
    if (!codec) throw new RangeError("unknown picture codec " + view.getUint8(0));
    if (view.getUint8(1) !== 0) throw new RangeError("the reserved picture byte must be 0");
    var width = view.getUint16(2);
    var height = view.getUint16(4);
    if (width === 0 || height === 0) throw new RangeError("a picture of " + width + "×" + height + " shows nothing");
    return { codec: codec, width: width, height: height, data: bytes.subarray(PICTURE_PREFIX_BYTES) };
  }

  var frames = { kinds: KINDS, decode: decodeFrame, encode: encodeFrame, picture: decodePicture };

  /** An element whose children are text nodes or elements, never markup. */
  function el(tag, props) {
    var element = document.createElement(tag);
    props = props || {};
    if (props.class) element.className = props.class;
    var attrs = props.attrs || {};
    Object.keys(attrs).forEach(function (name) {
      if (/^on/i.test(name) || name === "style") throw new Error("attribute " + name + " is not allowed");
      if (attrs[name] !== undefined) element.setAttribute(name, attrs[name]);
    });
    var on = props.on || {};
    Object.keys(on).forEach(function (name) {
      element.addEventListener(name, on[name]);
    });
    var values = props.props || {};
    Object.keys(values).forEach(function (name) {
      element[name] = values[name];
    });
    for (var i = 2; i < arguments.length; i++) append(element, arguments[i]);
    return element;
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(parent, c);
      });
      return;
    }
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function replace(parent) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    for (var i = 1; i < arguments.length; i++) append(parent, arguments[i]);
  }

  /** Offers `text` as a download named `fileName`. */
  function saveText(fileName, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    var link = el("a", { attrs: { href: url, download: fileName } });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 60000);
  }

  /**
   * Gives the panel's document the structure assistive technology expects:
   * its content inside a `main` landmark that starts with a heading naming
   * the panel (visually hidden — the console already shows the name on the
   * panel's tab). Returns the heading, which follows the console's language.
   */
  function landmarks() {
    var main = document.querySelector("main");
    if (!main) {
      main = document.createElement("main");
      while (document.body.firstChild) main.appendChild(document.body.firstChild);
      document.body.appendChild(main);
    }
    var heading = document.createElement("h1");
    heading.className = "visually-hidden";
    heading.textContent = document.title;
    main.insertBefore(heading, main.firstChild);
    return heading;
  }

  /**
   * Connects to the console. `options.strings` maps a language code
   * (`en`, `da`, `fr`, `ja`) to `{ key: "text with {placeholders}" }`;
   * English is the fallback.
   */
  function connect(options) {
    var strings = (options && options.strings) || { en: {} };
    var nextId = 1;
    var pending = {};
    var contextHandlers = [];
    var messageHandlers = [];
    var streamHandlers = [];
    var frameHandlers = [];
    var captureEndedHandlers = [];
    var menuOpenHandlers = [];
    /** The streams of this panel's plugin open now, by id, as their `opened` said. */
    var openStreams = {};
    var heading = landmarks();

    /** Posts a request to the page; resolves or rejects with its `result`. */
    function ask(message) {
      var id = nextId++;
      return new Promise(function (resolve, reject) {
        pending[id] = { resolve: resolve, reject: reject };
        window.parent.postMessage(Object.assign({ tether: BRIDGE_VERSION, id: id }, message), "*");
      });
    }

    var panel = {
      context: null,
      el: el,
      append: append,
      replace: replace,
      saveText: saveText,
      /** The string `key` in the console's language. */
      t: function (key, params) {
        var language = (panel.context && panel.context.locale) || "en";
        var table = strings[language] || {};
        var template = table[key] !== undefined ? table[key] : (strings.en || {})[key];
        if (template === undefined) template = key;
        return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
          return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
        });
      },
      /** Runs when the session, selected customer or language changes. */
      onContext: function (handler) {
        contextHandlers.push(handler);
        if (panel.context) handler(panel.context);
      },
      /** Runs for every message the plugin sends this console. */
      onMessage: function (handler) {
        messageHandlers.push(handler);
      },
      /**
       * Runs when one of this plugin's streams opens, changes controller or
       * closes: `{type: "opened", stream, source, source_name, capability,
       * label, origin, controller}`, `{type: "control", stream,
       * controller}` (a participant id, or `null`: nobody) or
       * `{type: "closed", stream, reason, …}`. A handler added late is told
       * about the streams already open (with their controller now).
       */
      onStream: function (handler) {
        streamHandlers.push(handler);
        Object.keys(openStreams).forEach(function (id) {
          handler(openStreams[id]);
        });
      },
      /** Runs with every frame (an ArrayBuffer) on one of those streams. */
      onFrame: function (handler) {
        frameHandlers.push(handler);
      },
      /**
       * Sends a frame (an ArrayBuffer, handed over: it is empty after) on
       * one of this plugin's open streams: an acknowledgement, a keyframe
       * request or input. The console drops anything else without a word.
       */
      sendFrame: function (buffer) {
        if (!(buffer instanceof ArrayBuffer)) throw new TypeError("sendFrame takes an ArrayBuffer");
        window.parent.postMessage({ tether: BRIDGE_VERSION, type: "frame", data: buffer }, "*", [buffer]);
      },
      /** Sends a command to this panel's plugin; resolves with its answer. */
      command: function (name, payload) {
        var body = payload === undefined ? {} : payload;
        return ask({ type: "command", name: name, payload: body });
      },
      /**
       * A one-time code for the helper program (`tether-agent`) of the
       * page's own participant in this session: on the console the CSR's
       * own computer (the kernel gives it to the session's host only), on
       * the customer's page the customer's. Resolves with `{code,
       * expires_in_secs}`; rejects (with `code` and a message in the page's
       * language) where the page has no session or the kernel refuses.
       */
      agentCode: function () {
        return ask({ type: "agent_code" });
      },
      /**
       * Asks the page to capture a window or a tab (call it from a click:
       * the page uses that click's activation, which lasts a few seconds).
       * The console chooses with the CSR (getDisplayMedia, never a whole
       * screen, no sound) and keeps the capture; resolves with `{capture,
       * label, surface}` (`surface` `browser` for a tab, or `window`).
       * Rejects with `code` `cancelled` (nothing chosen, or not allowed),
       * `screen` (a whole screen: never shared), `unsupported` (the page
       * does not capture for panels — the customer's page, a console page
       * outside a session, an assistant's console — or the browser cannot)
       * or `failed`.
       */
      captureDisplay: function () {
        return ask({ type: "capture_display" });
      },
      /**
       * The newest picture of `capture`: resolves with `{frame}` (its
       * number) when it is still picture number `since`, else with
       * `{frame, bitmap}` — an ImageBitmap the panel now owns (close it).
       * Pass `since` -1 for a picture whatever it is; `{frame}` alone also
       * means there is no picture yet. Rejects with `not_found` for a
       * capture that is not (or no longer) this panel's.
       */
      captureFrame: function (capture, since) {
        return ask({ type: "capture_frame", capture: capture, since: typeof since === "number" ? since : -1 });
      },
      /** Ends `capture`; resolves with `{stopped: capture}`, rejects with `not_found` for one that is not this panel's. */
      stopCapture: function (capture) {
        return ask({ type: "capture_stop", capture: capture });
      },
      /**
       * Runs with `{capture}` when a capture ended without the panel
       * stopping it: the CSR stopped it from the browser's own bar, the
       * shared tab closed, or the session ended.
       */
      onCaptureEnded: function (handler) {
        captureEndedHandlers.push(handler);
      },
      /**
       * A `csr-menu` panel's menu button beside Pass control: shown with
       * `true` (it is hidden until the panel asks), hidden with `false`
       * (which closes the menu where it is open). Panels elsewhere have no
       * menu button; the page ignores it there.
       */
      showMenu: function (visible) {
        window.parent.postMessage({ tether: BRIDGE_VERSION, type: "menu", visible: visible !== false }, "*");
      },
      /** Closes the `csr-menu` panel's open menu (done: a transfer was asked for). */
      closeMenu: function () {
        window.parent.postMessage({ tether: BRIDGE_VERSION, type: "menu_close" }, "*");
      },
      /** Runs each time the `csr-menu` panel's menu opens (put focus on what comes first). */
      onMenuOpen: function (handler) {
        menuOpenHandlers.push(handler);
      },
      /**
       * A command about the selected customer: their participant id goes
       * along as `participant` (the plugin's `Command::customer`).
       */
      customerCommand: function (name, payload) {
        var customer = panel.context && panel.context.customer;
        var body = Object.assign({}, payload || {});
        if (customer && !("participant" in body)) body.participant = customer.id;
        return panel.command(name, body);
      },
    };

    window.addEventListener("message", function (event) {
      if (event.source !== window.parent) return;
      var data = event.data;
      if (!data || data.tether !== BRIDGE_VERSION) return;
      if (data.type === "context") {
        panel.context = data.context;
        document.documentElement.lang = data.context.locale || "en";
        if (typeof data.context.title === "string" && data.context.title) {
          document.title = data.context.title;
          heading.textContent = data.context.title;
        }
        contextHandlers.forEach(function (handler) {
          handler(panel.context);
        });
      } else if (data.type === "message") {
        messageHandlers.forEach(function (handler) {
          handler(data.message);
        });
      } else if (data.type === "stream" && data.event && typeof data.event.stream === "number") {
        var stream = data.event;
        if (stream.type === "opened") {
          // Told again when the panel reloads or the console repeats it: once is enough.
          if (openStreams[stream.stream]) return;
          openStreams[stream.stream] = stream;
        } else if (stream.type === "control") {
          var known = openStreams[stream.stream];
          if (!known) return;
          var controller = typeof stream.controller === "string" ? stream.controller : null;
          openStreams[stream.stream] = Object.assign({}, known, { controller: controller });
          stream = { type: "control", stream: stream.stream, controller: controller };
        } else if (stream.type === "closed") {
          delete openStreams[stream.stream];
        } else {
          return;
        }
        streamHandlers.forEach(function (handler) {
          handler(stream);
        });
      } else if (data.type === "menu_opened") {
        menuOpenHandlers.forEach(function (handler) {
          handler();
        });
      } else if (data.type === "capture_ended" && typeof data.capture === "number") {
        var ended = { capture: data.capture };
        captureEndedHandlers.forEach(function (handler) {
          handler(ended);
        });
      } else if (data.type === "frame" && data.data instanceof ArrayBuffer) {
        var frame = data.data;
        frameHandlers.forEach(function (handler) {
          handler(frame);
        });
      } else if (data.type === "result" && pending[data.id]) {
        var waiting = pending[data.id];
        delete pending[data.id];
        if (data.ok) {
          waiting.resolve(data.value);
        } else {
          var error = new Error((data.error && data.error.message) || "failed");
          error.code = data.error && data.error.code;
          waiting.reject(error);
        }
      }
    });
    // Escape in a menu's panel closes the menu, as it does on the page
    // around it (a key pressed in the frame never reaches the page). A
    // panel that uses Escape itself (a list it closes) prevents the default.
    window.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || event.defaultPrevented) return;
      if (!panel.context || panel.context.location !== "csr-menu") return;
      panel.closeMenu();
    });
    window.parent.postMessage({ tether: BRIDGE_VERSION, type: "ready" }, "*");
    return panel;
  }

  // `globalThis` where there is no window: the UI's unit tests load this file too.
  (typeof window !== "undefined" ? window : globalThis).TetherPanel = {
    connect: connect,
    el: el,
    replace: replace,
    saveText: saveText,
    frames: frames,
  };
})();
