// Sharing from the browser (the CSR's console, without their agent): a
// window or tab chosen with getDisplayMedia — by the console page for the
// panel (`panel.captureDisplay()`: a sandboxed panel has an opaque origin,
// where browsers refuse capture), which keeps the capture and hands the
// newest picture over as an ImageBitmap when asked
// (`panel.captureFrame`) — is encoded here, VP8 with WebCodecs
// `VideoEncoder` (realtime), or JPEG from a canvas where there is no
// VideoEncoder or a viewer cannot decode VP8, and sent as Picture frames
// (the protocol's 12-byte header and 6-byte picture prefix,
// sdk/protocol/README.md "Streams") on the stream the plugin opened with
// `show_browser`, through `panel.sendFrame`. Paced as the agent paces its
// shares: at most two pictures the viewers have not acknowledged, a
// keyframe when one is asked for, always the newest picture.
//
// The pure parts (pacing, sizes, framing) are on `AppShareBrowser` for the
// UI's unit tests; `start` is the part that needs a page.
(function (root) {
  "use strict";

  /** Pictures sent (or being encoded) and not acknowledged, at most. */
  var MAX_UNACKNOWLEDGED = 2;
  /** Shortest time between two pictures, in ms (at most 40 a second). */
  var MIN_INTERVAL_MS = 25;
  /** With every slot taken, how long without an acknowledgement before the pictures in flight count as lost. */
  var STALL_AFTER_MS = 3000;
  /** An encode the encoder never answered (it dropped the frame) stops counting after this long. */
  var ENCODE_LOST_AFTER_MS = 1000;
  /** Largest picture sent: bigger windows are scaled down, keeping their shape. */
  var MAX_WIDTH = 1920;
  var MAX_HEIGHT = 1080;
  var CODECS = { vp8: 1, jpeg: 2 };
  var PICTURE_PREFIX_BYTES = 6;
  /** Decoders byte of a keyframe request: bit 0 VP8. */
  var DECODES_VP8 = 1;
  var JPEG_QUALITY = 0.8;
  /** While nothing is owed, how often the capture is looked at for a change, in ms. */
  var POLL_MS = 50;

  /** Serial-number order of two u32 sequences: whether `a` comes after `b`. */
  function after(a, b) {
    return ((a - b) | 0) > 0;
  }

  /**
   * When the next picture goes (pure). `now` is in milliseconds. The first
   * picture is a keyframe with sequence 1; a sequence is given when the
   * encoder hands the picture over (`encoded`), so they go out in order.
   */
  function Pacing() {
    this.lastSent = 0;
    this.acknowledged = 0;
    /** Pictures handed to the encoder and not out of it yet. */
    this.encoding = 0;
    this.encodingSince = null;
    this.changed = true;
    this.keyframeOwed = true;
    /** A viewer cannot decode VP8: JPEG from now on. */
    this.jpegOnly = false;
    this.sentAt = null;
    this.fullSince = null;
  }

  Pacing.prototype.unacknowledged = function () {
    return (this.lastSent - this.acknowledged) >>> 0;
  };

  /** The picture changed (a new video frame). */
  Pacing.prototype.damaged = function () {
    this.changed = true;
  };

  /**
   * A viewer asked for a keyframe; `decoders` is its request's payload byte
   * (undefined when it sent none): without the VP8 bit, JPEG from now on.
   */
  Pacing.prototype.keyframeRequested = function (decoders) {
    this.keyframeOwed = true;
    if (typeof decoders === "number" && (decoders & DECODES_VP8) === 0) this.jpegOnly = true;
  };

  /** An acknowledgement of `sequence`: it and every older picture arrived. Whether it counted. */
  Pacing.prototype.acknowledge = function (sequence, now) {
    var seq = sequence >>> 0;
    if (!after(seq, this.acknowledged) || after(seq, this.lastSent)) return false;
    this.acknowledged = seq;
    this.fullSince = this.inFlight() >= MAX_UNACKNOWLEDGED ? now : null;
    return true;
  };

  Pacing.prototype.inFlight = function () {
    return this.unacknowledged() + this.encoding;
  };

  /**
   * What to do now: `{send: true, keyframe}`, `{wait: ms}` (something to
   * send, not yet), or `{idle: true}` (nothing until a change, an
   * acknowledgement or a request).
   */
  Pacing.prototype.next = function (now) {
    if (this.encoding > 0 && this.encodingSince !== null && now - this.encodingSince >= ENCODE_LOST_AFTER_MS) {
      // The encoder dropped what it was given: start again from a keyframe.
      this.encoding = 0;
      this.encodingSince = null;
      this.keyframeOwed = true;
    }
    if (!this.changed && !this.keyframeOwed) return { idle: true };
    if (this.inFlight() >= MAX_UNACKNOWLEDGED) {
      if (this.fullSince === null) this.fullSince = now;
      if (now - this.fullSince < STALL_AFTER_MS) return { wait: STALL_AFTER_MS - (now - this.fullSince) };
      // Their viewers went away with them: go on with a keyframe.
      this.acknowledged = this.lastSent;
      this.fullSince = null;
      this.keyframeOwed = true;
      if (this.encoding > 0) return { wait: MIN_INTERVAL_MS };
    }
    if (this.sentAt !== null && now - this.sentAt < MIN_INTERVAL_MS) return { wait: MIN_INTERVAL_MS - (now - this.sentAt) };
    return { send: true, keyframe: this.keyframeOwed };
  };

  /** A picture goes to the encoder now. */
  Pacing.prototype.encodeStarted = function (now) {
    this.encoding += 1;
    if (this.encodingSince === null) this.encodingSince = now;
    this.changed = false;
    this.keyframeOwed = false;
    this.sentAt = now;
  };

  /** The encoder handed a picture over: its sequence. */
  Pacing.prototype.encoded = function (now) {
    if (this.encoding > 0) this.encoding -= 1;
    this.encodingSince = this.encoding > 0 ? now : null;
    this.lastSent = (this.lastSent + 1) >>> 0;
    if (this.inFlight() >= MAX_UNACKNOWLEDGED && this.fullSince === null) this.fullSince = now;
    return this.lastSent;
  };

  /** Encoding a picture failed: nothing went; the next one is a keyframe. */
  Pacing.prototype.encodeFailed = function () {
    if (this.encoding > 0) this.encoding -= 1;
    if (this.encoding === 0) this.encodingSince = null;
    this.keyframeOwed = true;
    this.changed = true;
  };

  /**
   * The size a `width`×`height` picture is sent at: at most 1920×1080,
   * its shape kept, even sides (what VP8's 4:2:0 pictures need), at least
   * 2×2. `null` while the video has no size yet.
   */
  function pictureSize(width, height) {
    if (!(width > 0 && height > 0)) return null;
    var scale = Math.min(1, MAX_WIDTH / width, MAX_HEIGHT / height);
    var even = function (value) {
      return Math.max(2, Math.floor((value * scale) / 2) * 2);
    };
    return { width: even(width), height: even(height) };
  }

  /** Bits per second for VP8 at that size: about 2 bits a pixel a second, within 0.5–4 Mbit/s. */
  function bitrateFor(size) {
    return Math.round(Math.min(4000000, Math.max(500000, size.width * size.height * 2)));
  }

  /** The 6-byte picture prefix and the encoded bytes: a Picture frame's payload. */
  function picturePayload(codec, width, height, data) {
    var code = CODECS[codec];
    if (!code) throw new RangeError("unknown picture codec " + codec);
    var payload = new Uint8Array(PICTURE_PREFIX_BYTES + data.byteLength);
    var view = new DataView(payload.buffer);
    view.setUint8(0, code);
    view.setUint8(1, 0);
    view.setUint16(2, width);
    view.setUint16(4, height);
    payload.set(data instanceof Uint8Array ? data : new Uint8Array(data), PICTURE_PREFIX_BYTES);
    return payload;
  }

  /** A whole Picture frame (an ArrayBuffer) for `panel.sendFrame`; every JPEG is a keyframe. */
  function pictureFrame(stream, sequence, keyframe, codec, width, height, data) {
    return root.TetherPanel.frames.encode({
      kind: "picture",
      keyframe: codec === "jpeg" ? true : !!keyframe,
      stream: stream,
      sequence: sequence,
      payload: picturePayload(codec, width, height, data),
    });
  }

  /**
   * What the customers see a browser's share called: the capture's own
   * label where it is a person's words (some browsers give the window's
   * title), else what kind of surface it is (`browser` tab or `window`),
   * in the CSR's language.
   */
  function labelFor(label, surface, t) {
    var own = typeof label === "string" ? label.trim() : "";
    if (own && !/^(screen|window|web-contents-media-stream|tab):/i.test(own) && !/^[\w-]+:\d+(:\d+)?$/.test(own)) {
      return own.slice(0, 200);
    }
    return t(surface === "window" ? "browser_window" : "browser_tab");
  }

  /** An Error for the panel, with `reason`: cancelled, screen, unsupported or failed. */
  function captureError(reason, message) {
    var error = new Error(message || reason);
    error.reason = reason;
    return error;
  }

  /**
   * A capture the page around the panel holds for it (the console: a
   * panel's sandboxed, opaque-origin document may not capture itself). The
   * page asks the CSR to choose (`panel.captureDisplay()`), keeps the
   * stream, and hands the newest picture over as an ImageBitmap
   * (`panel.captureFrame(capture, since)`); the preview is drawn here.
   */
  function bridgeCapture(panel, opened) {
    var doc = root.document;
    var preview = doc.createElement("canvas");
    preview.width = 0;
    preview.height = 0;
    var stopped = false;
    var ended = [];
    if (typeof panel.onCaptureEnded === "function") {
      panel.onCaptureEnded(function (event) {
        if (!event || event.capture !== opened.capture || stopped) return;
        ended.forEach(function (handler) {
          handler();
        });
      });
    }
    function drawPreview(bitmap) {
      var scale = Math.min(1, 320 / bitmap.width, 200 / bitmap.height);
      var width = Math.max(1, Math.round(bitmap.width * scale));
      var height = Math.max(1, Math.round(bitmap.height * scale));
      if (preview.width !== width) preview.width = width;
      if (preview.height !== height) preview.height = height;
      preview.getContext("2d").drawImage(bitmap, 0, 0, width, height);
    }
    return {
      label: opened.label || "",
      surface: opened.surface || "",
      preview: preview,
      grab: function (since) {
        if (stopped) return Promise.resolve(null);
        return panel.captureFrame(opened.capture, since).then(function (answer) {
          if (!answer || typeof answer.frame !== "number") return null;
          var bitmap = answer.bitmap;
          if (!bitmap || stopped) {
            if (bitmap && typeof bitmap.close === "function") bitmap.close();
            return stopped ? null : { frame: answer.frame };
          }
          drawPreview(bitmap);
          return {
            frame: answer.frame,
            image: bitmap,
            width: bitmap.width,
            height: bitmap.height,
            close: function () {
              bitmap.close();
            },
          };
        });
      },
      onEnded: function (handler) {
        ended.push(handler);
      },
      stop: function () {
        if (stopped) return;
        stopped = true;
        if (typeof panel.stopCapture === "function") panel.stopCapture(opened.capture).catch(function () {});
      },
    };
  }

  /**
   * Whether the CSR can share from this browser here at all: the page
   * around the panel captures for it (a panel SDK with
   * `panel.captureDisplay`). The panel's own getDisplayMedia is never
   * tried: its opaque origin is refused.
   */
  function supported(panel) {
    return !!panel && typeof panel.captureDisplay === "function" && typeof panel.captureFrame === "function";
  }

  /**
   * Asks the CSR to choose a window or tab through the page (call it from
   * a click: the page uses that click's activation). Resolves with a
   * capture (`label`, `surface`, `preview`, `grab`, `onEnded`, `stop`);
   * rejects with an Error whose `reason` is `cancelled`, `screen` (a whole
   * screen was chosen: never shared), `unsupported` or `failed`.
   */
  function capture(panel) {
    if (!supported(panel)) return Promise.reject(captureError("unsupported", "the page does not capture for this panel"));
    return panel.captureDisplay().then(
      function (opened) {
        if (!opened || typeof opened.capture !== "number") throw captureError("failed", "no capture");
        if (opened.surface === "monitor") {
          panel.stopCapture(opened.capture).catch(function () {});
          throw captureError("screen");
        }
        return bridgeCapture(panel, opened);
      },
      function (error) {
        var code = error && error.code;
        var reason = code === "cancelled" || code === "screen" || code === "unsupported" ? code : "failed";
        throw captureError(reason, error && error.message);
      },
    );
  }

  /**
   * Sends the pictures of `options.capture` (from `capture`) on stream
   * `options.stream`: `options.send(buffer)` posts a frame,
   * `options.container` gets the CSR's preview, `options.onEnded()` runs
   * when the CSR stops it from the browser's own bar. Returns `{stream,
   * receive, stop, preview, pacing}`: `receive(frame)` takes a decoded
   * frame (TetherPanel.frames.decode) — acknowledgements and keyframe
   * requests — and `stop()` ends the capture (the stream closed).
   */
  function start(options) {
    var stream = options.stream;
    var source = options.capture;
    var send = options.send;
    var doc = root.document;
    var pacing = new Pacing();
    var hasEncoder = typeof root.VideoEncoder === "function" && typeof root.VideoFrame === "function";
    pacing.jpegOnly = !!options.forceJpeg || !hasEncoder;
    var stopped = false;
    var timer = null;
    var grabbing = false;
    // The capture's number of the last picture encoded.
    var lastFrame = -1;
    var encoder = null;
    var encoderSize = null;
    var encoderErrors = 0;
    var canvas = null;
    var counts = { pictures: 0, keyframes: 0 };

    var preview = source.preview;
    preview.classList.add("browser-preview");
    preview.setAttribute("data-test", "browser-preview");
    if (options.previewLabel) {
      preview.setAttribute("role", "img");
      preview.setAttribute("aria-label", options.previewLabel);
    }
    if (options.container) options.container.appendChild(preview);
    source.onEnded(function () {
      if (stopped) return;
      stop();
      if (typeof options.onEnded === "function") options.onEnded();
    });

    function now() {
      return root.performance.now();
    }

    function mark() {
      preview.dataset.pictures = String(counts.pictures);
      preview.dataset.keyframes = String(counts.keyframes);
      preview.dataset.codec = pacing.jpegOnly ? "jpeg" : "vp8";
    }

    function schedule(ms) {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(function () {
        timer = null;
        pump();
      }, Math.max(1, Math.ceil(ms)));
    }

    /**
     * What happens next: while pictures may go, the newest one is grabbed
     * (and sent if it changed or a keyframe is owed); while nothing is owed,
     * the capture is looked at every POLL_MS for a change.
     */
    function pump() {
      if (stopped || grabbing) return;
      var next = pacing.next(now());
      if (next.wait) {
        schedule(next.wait);
        return;
      }
      var keyframe = !!next.keyframe;
      grabbing = true;
      source.grab(keyframe ? -1 : lastFrame).then(
        function (picture) {
          grabbing = false;
          if (stopped) {
            if (picture && picture.close) picture.close();
            return;
          }
          if (!picture || !picture.image) {
            // Nothing yet, or nothing new.
            schedule(POLL_MS);
            return;
          }
          if (picture.frame !== lastFrame) pacing.damaged();
          var ready = pacing.next(now());
          if (!ready.send) {
            picture.close();
            schedule(ready.wait || POLL_MS);
            return;
          }
          lastFrame = picture.frame;
          encode(picture, ready.keyframe);
        },
        function () {
          grabbing = false;
          schedule(POLL_MS * 4);
        },
      );
    }

    function canvasOf(picture, size) {
      if (!canvas) canvas = typeof root.OffscreenCanvas === "function" ? new root.OffscreenCanvas(size.width, size.height) : doc.createElement("canvas");
      if (canvas.width !== size.width) canvas.width = size.width;
      if (canvas.height !== size.height) canvas.height = size.height;
      canvas.getContext("2d").drawImage(picture.image, 0, 0, size.width, size.height);
      return canvas;
    }

    function encode(picture, keyframe) {
      var size = pictureSize(picture.width, picture.height);
      if (!size) {
        picture.close();
        schedule(POLL_MS);
        return;
      }
      if (pacing.jpegOnly) encodeJpeg(picture, size);
      else encodeVp8(picture, size, keyframe);
    }

    function encodeJpeg(picture, size) {
      pacing.encodeStarted(now());
      var drawn = canvasOf(picture, size);
      picture.close();
      var blob =
        typeof drawn.convertToBlob === "function"
          ? drawn.convertToBlob({ type: "image/jpeg", quality: JPEG_QUALITY })
          : new Promise(function (resolve) {
              drawn.toBlob(resolve, "image/jpeg", JPEG_QUALITY);
            });
      blob
        .then(function (jpeg) {
          return jpeg.arrayBuffer();
        })
        .then(
          function (bytes) {
            if (!stopped) emit("jpeg", true, size, new Uint8Array(bytes));
          },
          function () {
            pacing.encodeFailed();
          },
        )
        .then(pump);
    }

    function emit(codec, keyframe, size, data) {
      var sequence = pacing.encoded(now());
      counts.pictures += 1;
      if (keyframe || codec === "jpeg") counts.keyframes += 1;
      mark();
      send(pictureFrame(stream, sequence, keyframe, codec, size.width, size.height, data));
    }

    function closeEncoder() {
      if (encoder && encoder.state !== "closed") encoder.close();
      encoder = null;
      encoderSize = null;
    }

    /** An encoder for `size` (a new size: a new encoder, whose first picture is a keyframe). */
    function encoderFor(size) {
      if (encoder && encoderSize && encoderSize.width === size.width && encoderSize.height === size.height) return encoder;
      closeEncoder();
      // Encodes still in the old encoder are gone with it.
      pacing.encoding = 0;
      pacing.encodingSince = null;
      var own = { width: size.width, height: size.height };
      var created = new root.VideoEncoder({
        output: function (chunk) {
          if (stopped || encoder !== created) return;
          var data = new Uint8Array(chunk.byteLength);
          chunk.copyTo(data);
          emit("vp8", chunk.type === "key", own, data);
          pump();
        },
        error: function () {
          if (encoder !== created) return;
          encoder = null;
          encoderSize = null;
          pacing.encodeFailed();
          encoderErrors += 1;
          // An encoder that keeps failing: JPEG, which every viewer decodes.
          if (encoderErrors >= 3) pacing.jpegOnly = true;
          mark();
          pump();
        },
      });
      created.configure({
        codec: "vp8",
        width: size.width,
        height: size.height,
        bitrate: bitrateFor(size),
        framerate: 30,
        latencyMode: "realtime",
      });
      encoder = created;
      encoderSize = own;
      return created;
    }

    function encodeVp8(picture, size, keyframe) {
      var fresh = !encoder || !encoderSize || encoderSize.width !== size.width || encoderSize.height !== size.height;
      var target;
      var frame;
      try {
        target = encoderFor(size);
        var image = size.width === picture.width && size.height === picture.height ? picture.image : canvasOf(picture, size);
        frame = new root.VideoFrame(image, { timestamp: Math.round(now() * 1000) });
      } catch (error) {
        picture.close();
        pacing.encodeFailed();
        encoderErrors += 1;
        if (encoderErrors >= 3) pacing.jpegOnly = true;
        mark();
        schedule(POLL_MS);
        return;
      }
      picture.close();
      pacing.encodeStarted(now());
      try {
        target.encode(frame, { keyFrame: keyframe || fresh });
      } catch (error) {
        pacing.encodeFailed();
      } finally {
        frame.close();
      }
      pump();
    }

    function receive(frame) {
      if (stopped || !frame || frame.stream !== stream) return;
      var kinds = root.TetherPanel.frames.kinds;
      if (frame.kind === kinds.ack) {
        if (pacing.acknowledge(frame.sequence, now())) pump();
      } else if (frame.kind === kinds.keyframeRequest) {
        var decoders = frame.payload && frame.payload.length ? frame.payload[0] : undefined;
        var wasJpeg = pacing.jpegOnly;
        pacing.keyframeRequested(decoders);
        if (pacing.jpegOnly && !wasJpeg) closeEncoder();
        mark();
        pump();
      }
    }

    function stop() {
      if (stopped) return;
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      closeEncoder();
      source.stop();
      preview.remove();
    }

    mark();
    pump();
    return { stream: stream, receive: receive, stop: stop, preview: preview, pacing: pacing };
  }

  root.AppShareBrowser = {
    Pacing: Pacing,
    pictureSize: pictureSize,
    bitrateFor: bitrateFor,
    picturePayload: picturePayload,
    pictureFrame: pictureFrame,
    labelFor: labelFor,
    supported: supported,
    capture: capture,
    start: start,
    MAX_UNACKNOWLEDGED: MAX_UNACKNOWLEDGED,
    STALL_AFTER_MS: STALL_AFTER_MS,
  };
})(typeof window !== "undefined" ? window : globalThis);
