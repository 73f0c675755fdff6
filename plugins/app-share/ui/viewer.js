// Applications panel (the CSR's console): Request view / Request control
// for the selected customer, and one viewer per application shared on this
// session (a stream the plugin opened), each with its title, Stop, 1:1 and,
// for the session's host where the customer allowed control, control mode.
// The host also shows applications of their own (Show my application,
// mine.js): those streams are listed there, never viewed here.
//
// Titles come from the customer's computer: they go into the page as text
// only (TetherPanel.el never parses markup).
(function () {
  "use strict";
  var panel = TetherPanel.connect({ strings: AppShare.strings.viewer });
  var el = panel.el;
  var root = document.getElementById("panel");

  // What the plugin last said (its `state` message or command answer).
  var state = { streams: [], view: false, control: false };
  // What this console asked for and is waiting on: {mode, customer, id}.
  var asked = null;
  var busy = false;
  var status = { key: "", params: {}, error: false };
  // Open streams: id → {id, label, element, heading, mode, stop, viewer}.
  var streams = new Map();
  // Streams opened whose source is not known yet (viewed, or shown by this
  // console?): their `opened` events, until the plugin's state says.
  var undecided = new Map();
  var selectedCustomer = null;
  var session = null;
  var mine = AppShareMine.create(panel);

  // --- the page, built once (the viewers inside must survive re-labelling) ---
  var viewButton = el("button", {
    class: "primary",
    attrs: { type: "button", "data-test": "request-view", "aria-describedby": "status" },
    on: {
      click: function () {
        request("view");
      },
    },
  });
  var controlButton = el("button", {
    attrs: { type: "button", "data-test": "request-control", "aria-describedby": "status" },
    on: {
      click: function () {
        request("control");
      },
    },
  });
  var hostOnly = el("p", { class: "note", attrs: { "data-test": "host-only" } });
  var statusLine = el("p", { class: "status", attrs: { id: "status", role: "status", "data-test": "status" } });
  var sharedHeading = el("h2", { attrs: { id: "shared-heading" } });
  var nothingShared = el("p", { class: "note", attrs: { "data-test": "nothing-shared" } });
  var streamList = el("div", { class: "streams", attrs: { "data-test": "streams" } });
  var toolbar = el("div", { class: "toolbar" }, viewButton, controlButton);
  panel.replace(
    root,
    toolbar,
    hostOnly,
    statusLine,
    el("section", { attrs: { "aria-labelledby": "shared-heading" } }, sharedHeading, nothingShared, streamList),
    mine.element,
  );

  function customer() {
    return panel.context && panel.context.customer;
  }

  function isHost() {
    return !!panel.context && panel.context.role === "host";
  }

  function setStatus(key, params, error) {
    status = { key: key, params: params || {}, error: !!error };
    render();
  }

  /** Texts and what may be pressed, after any change. */
  function render() {
    var selected = customer();
    viewButton.textContent = panel.t("request_view");
    controlButton.textContent = panel.t("request_control");
    viewButton.disabled = busy || !selected;
    controlButton.disabled = busy || !selected;
    // Only the host asks (the plugin refuses anyone else).
    toolbar.hidden = !isHost();
    hostOnly.textContent = panel.context && !isHost() ? panel.t("host_only") : "";
    hostOnly.hidden = !hostOnly.textContent;
    var text = status.key ? panel.t(status.key, status.params) : selected || !isHost() ? "" : panel.t("choose_customer");
    statusLine.textContent = text;
    statusLine.className = status.error ? "status error" : "status";
    sharedHeading.textContent = panel.t("shared_heading");
    nothingShared.textContent = panel.t("nothing_shared");
    nothingShared.hidden = streams.size > 0;
    streams.forEach(relabelStream);
    mine.render();
  }

  // --- asking the customer ---
  function request(mode) {
    var selected = customer();
    if (!selected || busy) return;
    var name = { customer: selected.display_name };
    asked = { mode: mode, customer: selected.display_name, id: selected.id };
    busy = true;
    setStatus("asking_" + mode, name);
    panel.customerCommand("request", { mode: mode }).then(
      function (answer) {
        busy = false;
        // The answer comes once the customer decided.
        var after = AppShare.statusAfterAnswer(answer, asked);
        if (after && (after.error || after.key === "control_given")) asked = null;
        if (after) setStatus(after.key, after.params, after.error);
        else render();
      },
      function (error) {
        busy = false;
        asked = null;
        setStatus("failed", { customer: name.customer, error: error.message }, true);
      },
    );
  }

  // --- the plugin's state ---
  function applyState(next) {
    if (!next || typeof next !== "object") return;
    state = {
      streams: Array.isArray(next.streams) ? next.streams : [],
      view: next.view === true,
      control: next.control === true,
    };
    state.streams.forEach(function (entry) {
      var shown = entry && streams.get(entry.stream);
      if (shown && typeof entry.label === "string" && entry.label) shown.label = entry.label;
    });
    streams.forEach(function (shown) {
      shown.viewer.setControl(AppShare.mayControl(state, shown.id, panel.context && panel.context.role));
    });
    mine.setState(next);
    // What the state says of streams whose source was not known.
    state.streams.forEach(function (entry) {
      var event = entry && undecided.get(entry.stream);
      if (!event) return;
      undecided.delete(entry.stream);
      opened(Object.assign({}, event, { origin: entry.origin, source: entry.source }));
    });
    render();
  }

  function refreshState() {
    panel.customerCommand("state", {}).then(applyState, function () {
      // No session yet, or the plugin is busy: its next state message comes anyway.
    });
  }

  // --- streams ---
  function labelOf(shown) {
    return shown.label || panel.t("untitled", { stream: shown.id });
  }

  function relabelStream(shown) {
    var label = labelOf(shown);
    shown.heading.textContent = label;
    var controllable = AppShare.mayControl(state, shown.id, panel.context && panel.context.role);
    shown.mode.textContent = panel.t(controllable ? "control_allowed" : "view_only");
    shown.stop.textContent = panel.t("stop");
    // The host stops a share (the plugin refuses anyone else).
    shown.stop.hidden = !isHost();
    shown.stop.setAttribute("aria-label", panel.t("stop_named", { label: label }));
    shown.viewer.setLabel(label);
  }

  /** A stream opened: viewed here, or listed under Show my application when this console shows it. */
  function opened(event) {
    var id = event.stream;
    if (typeof id !== "number" || streams.has(id) || mine.has(id)) return;
    var ownStream = AppShare.isOwnStream(event, mine.participant(), panel.context && panel.context.role);
    if (ownStream === true) {
      mine.streamOpened(event);
      return;
    }
    if (ownStream === null) {
      undecided.set(id, event);
      refreshState();
      return;
    }
    view(event);
  }

  function view(event) {
    var id = event.stream;
    var heading = el("h3", { attrs: { id: "stream-title-" + id } });
    var mode = el("span", { class: "mode", attrs: { "data-test": "stream-mode" } });
    var stop = el("button", {
      attrs: { type: "button", "data-test": "stream-stop" },
      on: {
        click: function () {
          stopStream(id);
        },
      },
    });
    var body = el("div", { class: "stream-body" });
    var element = el(
      "section",
      { class: "stream", attrs: { "data-stream": String(id), "aria-labelledby": "stream-title-" + id } },
      el("div", { class: "stream-head" }, heading, mode, stop),
      body,
    );
    streamList.appendChild(element);
    var viewer = TetherViewer.create(body, {
      stream: id,
      send: function (buffer) {
        panel.sendFrame(buffer);
      },
      frames: TetherPanel.frames,
      label: event.label || "",
      locale: function () {
        return panel.context && panel.context.locale;
      },
      canvasId: "stream-canvas-" + id,
    });
    var shown = {
      id: id,
      label: event.label || "",
      element: element,
      heading: heading,
      mode: mode,
      stop: stop,
      viewer: viewer,
    };
    streams.set(id, shown);
    viewer.setControl(AppShare.mayControl(state, id, panel.context && panel.context.role));
    // What was asked for has arrived.
    if (asked) {
      asked = null;
      status = { key: "", params: {}, error: false };
    }
    render();
  }

  function closed(event) {
    undecided.delete(event.stream);
    if (mine.has(event.stream)) {
      mine.streamClosed(event);
      return;
    }
    var shown = streams.get(event.stream);
    if (!shown) return;
    streams.delete(event.stream);
    shown.viewer.destroy();
    shown.element.remove();
    setStatus("ended", { label: labelOf(shown) });
  }

  function stopStream(id) {
    var shown = streams.get(id);
    if (!shown) return;
    shown.stop.disabled = true;
    panel.command("stop", { stream: id }).then(
      function () {
        // The stream's "closed" event removes it.
      },
      function (error) {
        shown.stop.disabled = false;
        setStatus("stop_failed", { label: labelOf(shown), error: error.message }, true);
      },
    );
  }

  /** A frame from the bridge: the ArrayBuffer, or already decoded. */
  function frameOf(data) {
    if (data instanceof ArrayBuffer) {
      try {
        return TetherPanel.frames.decode(data);
      } catch (error) {
        return null;
      }
    }
    return data;
  }

  panel.onStream(function (event) {
    if (!event) return;
    if (event.type === "opened") opened(event);
    else if (event.type === "control") mine.streamControl(event);
    else if (event.type === "closed") closed(event);
  });

  panel.onFrame(function (data) {
    var frame = frameOf(data);
    // Acknowledgements and keyframe requests for what this console shows.
    if (frame && mine.receiveFrame(frame)) return;
    var shown = frame && streams.get(frame.stream);
    if (shown) shown.viewer.receive(frame);
  });

  panel.onMessage(function (message) {
    if (!message || typeof message !== "object") return;
    if (message.type === "state") applyState(message);
    var after = AppShare.statusAfter(message, asked);
    if (!after) return;
    // Asked and answered: nothing more to wait for, unless a share follows.
    if (after.error || after.key === "cancelled") asked = null;
    setStatus(after.key, after.params, after.error);
  });

  panel.onContext(function (context) {
    var nowSession = (context && context.session) || null;
    var sessionChanged = nowSession !== session;
    session = nowSession;
    mine.contextChanged(context, sessionChanged);
    var id = context && context.customer ? context.customer.id : null;
    if (id !== selectedCustomer) {
      selectedCustomer = id;
      // Another customer: what was asked of the last one no longer shows.
      if (asked && asked.id !== id) {
        asked = null;
        status = { key: "", params: {}, error: false };
      }
      if (context && context.session) refreshState();
    }
    streams.forEach(function (shown) {
      shown.viewer.setControl(AppShare.mayControl(state, shown.id, context && context.role));
      shown.viewer.relabel();
    });
    render();
  });
})();
