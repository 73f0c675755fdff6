// Share applications panel (the customer's page): when the support
// representative asks to see or control an application, the Application
// view / Application control dialog lists the running applications (and
// their windows) and the installed ones (New application); Share sends the
// choice to the plugin, Cancel says no. While viewing is allowed, Select
// application opens the dialog again to share one more.
//
// Names and titles come from this computer's applications: they go into
// the page as text only (TetherPanel.el never parses markup).
(function () {
  "use strict";
  var panel = TetherPanel.connect({ strings: AppShare.strings.share });
  var el = panel.el;
  var root = document.getElementById("panel");

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
  panel.replace(root, idle, el("div", { class: "toolbar" }, selectButton), another, statusLine, dialog);

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
  panel.onContext(function () {
    if (!askedState) {
      askedState = true;
      panel.command("state", {}).then(applyState, function () {
        // The plugin's next state message says it.
      });
    }
    render();
  });
  render();
})();
