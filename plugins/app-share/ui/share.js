// Share applications panel (the customer's page), both ways:
//
// - What the customer shares: when the support representative asks to see
//   or control an application, the Application view / Application control
//   dialog lists the running applications (and their windows) and the
//   installed ones (New application); Share sends the choice to the plugin,
//   Cancel says no. While viewing is allowed, Select application opens the
//   dialog again to share one more. (The page's own "Shared now" lists what
//   is shared, with Stop.)
// - What a CSR shows the customer: each such stream is an offer
//   "<CSR> is showing you "<label>"" with View and Not now. View opens the
//   same viewer as the console's (tether-viewer.js), whose first keyframe
//   request makes this page a viewer of the stream; Not now can be undone
//   (View stays). When the kernel names this customer the stream's
//   controller, the viewer offers control (click into the picture); when
//   the CSR takes it back, the viewer leaves control at once and says so.
//
// Names and titles come from the computers' applications: they go into the
// page as text only (TetherPanel.el never parses markup).
//
// The pure part (what is shown, the answers, who controls) is
// `AppShareCustomer`, defined before the page is built so the UI's unit
// tests load this file as the panel does.
(function (root) {
  "use strict";

  /** The words of what a CSR shows (the dialog's are AppShare.strings.share). */
  var shownStrings = {
    en: {
      shown_heading: "Shown to you",
      shown_offer: "{csr} is showing you “{label}”",
      shown_untitled: "an application",
      view: "View",
      not_now: "Not now",
      hide: "Hide",
      declined: "Not shown here. Choose View to see it.",
      control_offer: "{csr} lets you control “{label}”: choose View, then click into the picture.",
      control_given: "{csr} lets you control “{label}”. Click into the picture to use it.",
      control_taken: "{csr} took back control of “{label}”.",
      shown_ended: "{csr} stopped showing “{label}”.",
    },
    da: {
      shown_heading: "Vist for dig",
      shown_offer: "{csr} viser dig »{label}«",
      shown_untitled: "et program",
      view: "Vis",
      not_now: "Ikke nu",
      hide: "Skjul",
      declined: "Vises ikke her. Vælg Vis for at se det.",
      control_offer: "{csr} lader dig styre »{label}«: vælg Vis, og klik så i billedet.",
      control_given: "{csr} lader dig styre »{label}«. Klik i billedet for at bruge det.",
      control_taken: "{csr} tog styringen af »{label}« tilbage.",
      shown_ended: "{csr} holdt op med at vise »{label}«.",
    },
    fr: {
      shown_heading: "Ce que l’on vous montre",
      shown_offer: "{csr} vous montre « {label} »",
      shown_untitled: "une application",
      view: "Afficher",
      not_now: "Pas maintenant",
      hide: "Masquer",
      declined: "Non affiché ici. Choisissez Afficher pour le voir.",
      control_offer: "{csr} vous laisse contrôler « {label} » : choisissez Afficher, puis cliquez dans l’image.",
      control_given: "{csr} vous laisse contrôler « {label} ». Cliquez dans l’image pour l’utiliser.",
      control_taken: "{csr} a repris le contrôle de « {label} ».",
      shown_ended: "{csr} a cessé de vous montrer « {label} ».",
    },
    ja: {
      shown_heading: "あなたに表示されているもの",
      shown_offer: "{csr} が「{label}」を表示しています",
      shown_untitled: "アプリケーション",
      view: "表示",
      not_now: "今は見ない",
      hide: "隠す",
      declined: "ここには表示していません。見るには「表示」を選んでください。",
      control_offer: "{csr} が「{label}」の操作を許可しています。「表示」を選び、画像の中をクリックしてください。",
      control_given: "{csr} が「{label}」の操作を許可しました。画像の中をクリックすると操作できます。",
      control_taken: "{csr} が「{label}」の操作権を戻しました。",
      shown_ended: "{csr} が「{label}」の表示を終了しました。",
    },
  };

  /** Tables of the same languages merged key by key (`extra` wins). */
  function mergeStrings(base, extra) {
    var merged = {};
    Object.keys(base || {})
      .concat(Object.keys(extra || {}))
      .forEach(function (language) {
        merged[language] = Object.assign({}, (base || {})[language], (extra || {})[language]);
      });
    return merged;
  }

  function isCsrOrigin(origin) {
    return origin === "csr_agent" || origin === "csr_browser";
  }

  /**
   * What CSRs show this customer (`me`, their participant id), from the
   * panel's stream events, and what the customer answered: each entry is
   * `{stream, label, source, csr, origin, controller, answer}` with
   * `answer` `"offered"` (View / Not now), `"viewing"` or `"declined"`
   * (Not now: View stays). Streams the customer shares (`customer_agent`)
   * are not offers. Each method returns what changed, for the page to
   * show and say; none does I/O.
   */
  function Shows(me) {
    this.me = me || null;
    this.entries = new Map();
  }

  /** A stream opened (or is told again): the new offer, or `null`. */
  Shows.prototype.opened = function (event) {
    if (!event || typeof event.stream !== "number" || !isCsrOrigin(event.origin)) return null;
    if (this.entries.has(event.stream)) return null;
    var entry = {
      stream: event.stream,
      label: typeof event.label === "string" ? event.label : "",
      source: typeof event.source === "string" ? event.source : "",
      csr: typeof event.source_name === "string" ? event.source_name : "",
      origin: event.origin,
      controller: typeof event.controller === "string" ? event.controller : null,
      answer: "offered",
    };
    this.entries.set(entry.stream, entry);
    return entry;
  };

  /**
   * Who controls a stream now. Returns `{entry, change}`: `change` is
   * `"given"` (this customer got control), `"taken"` (this customer lost
   * it) or `null` (nothing changed for this customer); `null` for a
   * stream not shown.
   */
  Shows.prototype.control = function (stream, controller) {
    var entry = this.entries.get(stream);
    if (!entry) return null;
    var before = this.mayControl(stream);
    entry.controller = typeof controller === "string" ? controller : null;
    var after = this.mayControl(stream);
    return { entry: entry, change: before === after ? null : after ? "given" : "taken" };
  };

  /** Whether this customer may control the stream: the kernel names them its controller (a CSR's agent only). */
  Shows.prototype.mayControl = function (stream) {
    var entry = this.entries.get(stream);
    return !!entry && !!this.me && entry.origin === "csr_agent" && entry.controller === this.me;
  };

  /** The customer's answer (`"viewing"` for View, `"declined"` for Not now or Hide): whether it changed. */
  Shows.prototype.answer = function (stream, answer) {
    var entry = this.entries.get(stream);
    if (!entry || (answer !== "viewing" && answer !== "declined") || entry.answer === answer) return false;
    entry.answer = answer;
    return true;
  };

  /** Whether the stream's pictures are wanted here (the customer chose View). */
  Shows.prototype.viewing = function (stream) {
    var entry = this.entries.get(stream);
    return !!entry && entry.answer === "viewing";
  };

  /** A stream closed: what it was, or `null`. */
  Shows.prototype.closed = function (stream) {
    var entry = this.entries.get(stream);
    if (!entry) return null;
    this.entries.delete(stream);
    return entry;
  };

  /** Every entry, oldest first. */
  Shows.prototype.list = function () {
    return Array.from(this.entries.values());
  };

  root.AppShareCustomer = {
    strings: shownStrings,
    mergeStrings: mergeStrings,
    isCsrOrigin: isCsrOrigin,
    Shows: Shows,
  };

  // The unit tests load this file without a page.
  if (typeof document === "undefined" || !root.TetherPanel || !root.AppShare) return;
  page();

  function page() {
    var panel = TetherPanel.connect({ strings: mergeStrings(AppShare.strings.share, shownStrings) });
    var el = panel.el;
    var container = document.getElementById("panel");

    var viewAllowed = false;
    var status = { key: "", params: {}, error: false };
    // The dialog's content: {mode, csr, model} while it is open.
    var offer = null;
    var dialogError = "";
    var busy = false;
    // Who asked, from the plugin's `choose` message (the reply to Select
    // application does not repeat it).
    var lastCsr = "";
    var returnFocus = null;

    // --- the page ---
    var idle = el("p", { class: "note", attrs: { "data-test": "share-idle" } });
    var selectButton = el("button", {
      class: "primary",
      attrs: { type: "button", "data-test": "select-application" },
      on: { click: selectApplication },
    });
    var another = el("p", { class: "note" });
    var statusLine = el("p", { class: "status", attrs: { role: "status", "data-test": "share-status" } });

    var dialog = el("dialog", {
      class: "share-dialog",
      attrs: { "aria-labelledby": "dialog-title", "aria-describedby": "dialog-prompt", "data-test": "share-dialog" },
    });
    // Escape: the same as Cancel (the plugin hears that nothing is shared).
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (!busy) cancel();
    });
    // What a CSR shows (built below), then what the customer shares.
    var shownHeading = el("h2", { attrs: { id: "shown-heading", tabindex: "-1" } });
    var shownList = el("div", { class: "shown-list", attrs: { "data-test": "shown-streams" } });
    var shownSection = el(
      "section",
      { class: "shown", attrs: { "aria-labelledby": "shown-heading", "data-test": "shown" }, props: { hidden: true } },
      shownHeading,
      shownList,
    );
    panel.replace(container, shownSection, idle, el("div", { class: "toolbar" }, selectButton), another, statusLine, dialog);

    function setStatus(key, params, error) {
      status = { key: key, params: params || {}, error: !!error };
      render();
    }

    function render() {
      idle.textContent = panel.t("idle");
      selectButton.textContent = panel.t("select");
      selectButton.hidden = !viewAllowed;
      selectButton.disabled = busy;
      another.textContent = viewAllowed ? panel.t("another") : "";
      another.hidden = !viewAllowed;
      statusLine.textContent = status.key ? panel.t(status.key, status.params) : "";
      statusLine.className = status.error ? "status error" : "status";
      if (offer) renderDialog();
      renderShown();
    }

    // --- the dialog ---
    function radio(value, id, describedBy) {
      var attrs = { type: "radio", name: "choice", value: value, id: id };
      if (describedBy) attrs["aria-describedby"] = describedBy;
      return el("input", { attrs: attrs });
    }

    function runningChoices(model) {
      if (!model.running.length) return el("p", { class: "note" }, panel.t("no_running"));
      return el(
        "ul",
        { class: "choices" },
        model.running.map(function (app, index) {
          var id = "choice-app-" + index;
          var item = el(
            "li",
            { attrs: { "data-test": "running-application" } },
            el(
              "div",
              { class: "choice" },
              radio(app.value, id, app.detail ? id + "-detail" : null),
              el(
                "label",
                { attrs: { for: id } },
                el("span", { class: "name" }, app.name),
                app.detail ? el("span", { class: "detail", attrs: { id: id + "-detail" } }, app.detail) : null,
              ),
            ),
          );
          if (app.windows.length) {
            // Several windows: the application shares its top-most one
            // unless one of these is chosen.
            item.appendChild(
              el(
                "fieldset",
                { class: "windows" },
                el("legend", { class: "visually-hidden" }, panel.t("windows_of", { name: app.name })),
                el(
                  "ul",
                  { class: "choices" },
                  app.windows.map(function (window, windowIndex) {
                    var windowId = id + "-window-" + windowIndex;
                    return el(
                      "li",
                      { attrs: { "data-test": "application-window" } },
                      el(
                        "div",
                        { class: "choice" },
                        radio(window.value, windowId),
                        el("label", { attrs: { for: windowId } }, window.title || app.name),
                      ),
                    );
                  }),
                ),
              ),
            );
          }
          return item;
        }),
      );
    }

    function installedChoices(model) {
      if (!model.installed.length) return el("p", { class: "note" }, panel.t("no_installed"));
      return el(
        "ul",
        { class: "choices" },
        model.installed.map(function (app, index) {
          var id = "choice-new-" + index;
          return el(
            "li",
            { attrs: { "data-test": "installed-application" } },
            el(
              "div",
              { class: "choice" },
              radio(app.value, id, app.comment ? id + "-comment" : null),
              el(
                "label",
                { attrs: { for: id } },
                el("span", { class: "name" }, app.name),
                app.comment ? el("span", { class: "detail", attrs: { id: id + "-comment" } }, app.comment) : null,
              ),
            ),
          );
        }),
      );
    }

    function chosenValue() {
      var checked = dialog.querySelector('input[name="choice"]:checked');
      return checked ? checked.value : null;
    }

    /** (Re)draws the dialog's content, keeping the choice and the focus. */
    function renderDialog() {
      var chosen = chosenValue();
      var focused = document.activeElement && dialog.contains(document.activeElement) ? document.activeElement.id : "";
      var csr = offer.csr || panel.t("your_representative");
      panel.replace(
        dialog,
        el("h2", { attrs: { id: "dialog-title" } }, panel.t("title_" + offer.mode)),
        el("p", { attrs: { id: "dialog-prompt" } }, panel.t("prompt_" + offer.mode, { csr: csr })),
        el(
          "fieldset",
          { attrs: { "data-test": "running-applications" } },
          el("legend", null, panel.t("running")),
          runningChoices(offer.model),
        ),
        el(
          "fieldset",
          { attrs: { "data-test": "new-application" } },
          el("legend", null, panel.t("new_application")),
          installedChoices(offer.model),
        ),
        el("p", { class: "status error", attrs: { role: "alert", "data-test": "share-error" } }, dialogError),
        el(
          "div",
          { class: "toolbar dialog-buttons" },
          el(
            "button",
            {
              class: "primary",
              attrs: { type: "button", id: "share-button", "data-test": "share" },
              props: { disabled: busy },
              on: { click: share },
            },
            panel.t("share"),
          ),
          el(
            "button",
            {
              attrs: { type: "button", id: "cancel-button", "data-test": "cancel" },
              props: { disabled: busy },
              on: { click: cancel },
            },
            panel.t("cancel"),
          ),
        ),
      );
      if (chosen) {
        var again = dialog.querySelector('input[name="choice"][value="' + CSS.escape(chosen) + '"]');
        if (again) again.checked = true;
      }
      if (focused) {
        var target = document.getElementById(focused);
        if (target) target.focus();
      }
    }

    function openDialog(mode, csr, running, installed) {
      offer = { mode: mode === "control" ? "control" : "view", csr: csr || "", model: AppShare.choices(running, installed) };
      dialogError = "";
      var wasOpen = dialog.open;
      renderDialog();
      if (!wasOpen) {
        returnFocus = document.activeElement;
        dialog.showModal();
        // The first choice, so arrow keys move through them at once.
        var first = dialog.querySelector('input[name="choice"]') || dialog.querySelector("#cancel-button");
        if (first) first.focus();
      }
    }

    function closeDialog() {
      offer = null;
      dialogError = "";
      if (dialog.open) dialog.close();
      panel.replace(dialog);
      // Buttons enabled again before the focus goes back to one.
      render();
      var back =
        returnFocus && returnFocus !== document.body && document.contains(returnFocus) && !returnFocus.hidden
          ? returnFocus
          : selectButton;
      returnFocus = null;
      if (back && !back.hidden && typeof back.focus === "function") back.focus();
    }

    function showDialogError(text) {
      dialogError = text;
      renderDialog();
    }

    function share() {
      if (!offer || busy) return;
      var request = AppShare.shareRequest(chosenValue(), offer.model);
      if (!request) {
        showDialogError(panel.t("choose_first"));
        var first = dialog.querySelector('input[name="choice"]');
        if (first) first.focus();
        return;
      }
      busy = true;
      dialogError = "";
      render();
      panel.command("share", request).then(
        function (answer) {
          busy = false;
          closeDialog();
          setStatus("sharing", { label: (answer && answer.label) || "" });
        },
        function (error) {
          busy = false;
          showDialogError(panel.t("share_failed", { error: error.message }));
          render();
        },
      );
    }

    function cancel() {
      if (!offer || busy) return;
      busy = true;
      render();
      panel.command("cancel", {}).then(
        function () {
          busy = false;
          closeDialog();
          setStatus("cancelled");
        },
        function (error) {
          busy = false;
          closeDialog();
          setStatus("cancel_failed", { error: error.message }, true);
        },
      );
    }

    function selectApplication() {
      if (busy) return;
      busy = true;
      render();
      panel.command("choose", {}).then(
        function (answer) {
          busy = false;
          setStatus("", {});
          var offered = answer || {};
          openDialog(offered.mode, offered.csr || lastCsr, offered.running, offered.installed);
        },
        function (error) {
          busy = false;
          setStatus("choose_failed", { error: error.message }, true);
        },
      );
    }

    // --- what a CSR shows ---
    var shows = new AppShareCustomer.Shows(null);
    // stream → {entry, element, heading, offerNote, declinedNote, viewButton, notNowButton, hideButton, body, viewer}
    var shownCards = new Map();

    function csrName(entry) {
      return entry.csr || panel.t("your_representative");
    }

    function shownLabel(entry) {
      return entry.label || panel.t("shown_untitled");
    }

    function shownNames(entry) {
      return { csr: csrName(entry), label: shownLabel(entry) };
    }

    function addCard(entry) {
      var id = entry.stream;
      var titleId = "shown-title-" + id;
      var button = function (className, test, onClick) {
        return el("button", {
          class: className,
          attrs: { type: "button", "data-test": test, "aria-describedby": titleId },
          on: { click: onClick },
        });
      };
      var card = {
        entry: entry,
        heading: el("h3", { attrs: { id: titleId, "data-test": "shown-offer" } }),
        offerNote: el("p", { class: "control-offer", attrs: { "data-test": "control-offer" } }),
        declinedNote: el("p", { class: "note", attrs: { "data-test": "shown-declined" } }),
        viewButton: button("primary", "shown-view", function () {
          view(id);
        }),
        notNowButton: button("", "shown-not-now", function () {
          notNow(id);
        }),
        hideButton: button("", "shown-hide", function () {
          notNow(id);
        }),
        body: el("div", { class: "shown-body" }),
        viewer: null,
      };
      card.element = el(
        "section",
        { class: "shown-stream", attrs: { "aria-labelledby": titleId, "data-test": "shown-stream", "data-stream": String(id) } },
        card.heading,
        card.offerNote,
        el("div", { class: "toolbar" }, card.viewButton, card.notNowButton, card.hideButton),
        card.declinedNote,
        card.body,
      );
      shownCards.set(id, card);
      shownList.appendChild(card.element);
    }

    function renderCard(card) {
      var entry = card.entry;
      var names = shownNames(entry);
      var viewing = entry.answer === "viewing";
      var may = shows.mayControl(entry.stream);
      card.heading.textContent = panel.t("shown_offer", names);
      card.viewButton.textContent = panel.t("view");
      card.notNowButton.textContent = panel.t("not_now");
      card.hideButton.textContent = panel.t("hide");
      card.viewButton.hidden = viewing;
      card.notNowButton.hidden = entry.answer !== "offered";
      card.hideButton.hidden = !viewing;
      card.declinedNote.textContent = panel.t("declined");
      card.declinedNote.hidden = entry.answer !== "declined";
      // Before the picture is open; once it is, the viewer's own hint says it.
      card.offerNote.textContent = may && !viewing ? panel.t("control_offer", names) : "";
      card.offerNote.hidden = !card.offerNote.textContent;
      card.element.setAttribute("data-answer", entry.answer);
      card.element.setAttribute("data-may-control", may ? "true" : "false");
      if (card.viewer) {
        if (card.viewer.controlAllowed !== may) card.viewer.setControl(may);
        card.viewer.setLabel(shownLabel(entry));
      }
    }

    function renderShown() {
      shownHeading.textContent = panel.t("shown_heading");
      shownSection.hidden = shownCards.size === 0;
      shownCards.forEach(renderCard);
    }

    /** View: the viewer opens and asks for a keyframe, which makes this page a viewer of the stream. */
    function view(id) {
      var card = shownCards.get(id);
      if (!card || !shows.answer(id, "viewing")) return;
      card.viewer = TetherViewer.create(card.body, {
        stream: id,
        send: function (buffer) {
          panel.sendFrame(buffer);
        },
        frames: TetherPanel.frames,
        label: shownLabel(card.entry),
        locale: function () {
          return panel.context && panel.context.locale;
        },
        canvasId: "shown-canvas-" + id,
      });
      card.viewer.setControl(shows.mayControl(id));
      renderCard(card);
      card.viewer.canvas.focus({ preventScroll: true });
    }

    /** Not now (or Hide): no picture here; View stays to change one's mind. */
    function notNow(id) {
      var card = shownCards.get(id);
      if (!card || !shows.answer(id, "declined")) return;
      if (card.viewer) {
        card.viewer.destroy();
        card.viewer = null;
      }
      renderCard(card);
      card.viewButton.focus();
    }

    function shownOpened(event) {
      var entry = shows.opened(event);
      if (!entry) return;
      addCard(entry);
      renderShown();
    }

    function shownControl(event) {
      var result = shows.control(event.stream, event.controller);
      if (!result) return;
      var card = shownCards.get(event.stream);
      if (result.change === "taken") {
        // At once, before anything else: no more input goes out.
        if (card.viewer) card.viewer.setControl(false, { cause: "taken_back" });
        setStatus("control_taken", shownNames(result.entry));
      } else if (result.change === "given") {
        if (card.viewer) card.viewer.setControl(true);
        setStatus("control_given", shownNames(result.entry));
      } else {
        renderCard(card);
      }
    }

    function shownClosed(event) {
      var entry = shows.closed(event.stream);
      var card = shownCards.get(event.stream);
      if (!entry || !card) return;
      shownCards.delete(event.stream);
      var hadFocus = card.element.contains(document.activeElement);
      if (card.viewer) card.viewer.destroy();
      card.element.remove();
      setStatus("shown_ended", shownNames(entry));
      if (!hadFocus) return;
      // The focus stays near: the next offer, or the panel's heading.
      var next = shownCards.size ? shownHeading : document.querySelector("h1");
      if (next) {
        if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
        next.focus();
      }
    }

    panel.onStream(function (event) {
      if (!event || typeof event.stream !== "number") return;
      if (event.type === "opened") shownOpened(event);
      else if (event.type === "control") shownControl(event);
      else if (event.type === "closed") shownClosed(event);
    });

    // Pictures of what is viewed here; any other frame (a stream not
    // viewed, or hidden since: at most the two already under way) is dropped.
    panel.onFrame(function (buffer) {
      var frame;
      try {
        frame = TetherPanel.frames.decode(buffer);
      } catch (error) {
        return;
      }
      var card = shownCards.get(frame.stream);
      if (card && card.viewer && shows.viewing(frame.stream)) card.viewer.receive(frame);
    });

    // --- the plugin ---
    function applyState(next) {
      if (!next || typeof next !== "object") return;
      viewAllowed = next.view === true;
      render();
    }

    panel.onMessage(function (message) {
      if (!message || typeof message !== "object") return;
      if (message.type === "choose") {
        if (typeof message.csr === "string") lastCsr = message.csr;
        setStatus("", {});
        openDialog(message.mode, message.csr, message.running, message.installed);
      } else if (message.type === "state") {
        applyState(message);
      }
    });

    var askedState = false;
    panel.onContext(function (context) {
      // Who this customer is decides which stream they control.
      shows.me = context && context.customer ? context.customer.id : null;
      shownCards.forEach(function (card) {
        if (card.viewer) card.viewer.relabel();
      });
      if (!askedState) {
        askedState = true;
        panel.command("state", {}).then(applyState, function () {
          // The plugin's next state message says it.
        });
      }
      render();
    });
    render();
  }
})(typeof window !== "undefined" ? window : globalThis);
