// Show my application (the host's console, Applications panel): the CSR
// shows the customers an application of their own computer — from their
// own agent (`tether-agent join <the session's link>` with a one-time
// code, shown here while none is attached) — or a window or tab straight
// from this browser (captured by the console page for this panel), and
// gives a customer control of what their agent shows (after a warning that
// the customer can then open the application's files) and takes it back.
// Each shown application is listed with who controls it, Stop, Give
// control and Take control back (none for a browser's share).
//
// Names and titles come from the CSR's computer: they go into the page as
// text only (TetherPanel.el never parses markup).
(function (root) {
  "use strict";

  /** While a one-time code is shown and no agent of the CSR's is attached: how often to look again, in ms. */
  var AGENT_POLL_MS = 3000;

  function create(panel) {
    var el = panel.el;
    var t = panel.t;
    // The host's own participant id, as the plugin says (`mine`).
    var me = null;
    // The last `mine` answer: {agent, running, installed, message}, or null.
    var agent = null;
    var model = AppShare.choices([], []);
    // The one-time code shown: {code, minutes, until} (until: when it expires, ms).
    var code = null;
    var busy = false;
    var startingBrowser = false;
    var status = { key: "", params: {}, error: false };
    // Shown streams by id: {id, label, origin, controller, controllerName, sharer, item, parts}.
    var own = new Map();
    // Display names the state taught (participant id → name).
    var names = {};
    var pollTimer = null;
    // The Application control dialog: {customer, name, model} while open.
    var choosing = null;
    var dialogError = "";
    // The confirmation before control is given: {stream, customer, name}.
    var confirming = null;
    var returnFocus = null;

    // --- the section, built once ---
    var heading = el("h2", { attrs: { id: "mine-heading" } });
    var statusLine = el("p", { class: "status", attrs: { role: "status", "data-test": "mine-status" } });
    var checking = el("p", { class: "note", attrs: { "data-test": "mine-checking" } });

    var noAgentText = el("p", { attrs: { id: "no-agent-text" } });
    var commandLabel = el("span", { class: "command-label" });
    var command = el("code", { class: "command", attrs: { "data-test": "agent-command" } });
    var codeButton = el("button", {
      attrs: { type: "button", "data-test": "agent-code-get", "aria-describedby": "no-agent-text" },
      on: { click: getCode },
    });
    var codeLine = el("p", { class: "code", attrs: { "data-test": "agent-code", "aria-live": "polite" } });
    var waiting = el("p", { class: "note", attrs: { "data-test": "agent-waiting" } });
    var browserText = el("p", { attrs: { id: "browser-text" } });
    var browserButton = el("button", {
      attrs: { type: "button", "data-test": "share-browser", "aria-describedby": "browser-text" },
      on: { click: shareFromBrowser },
    });
    var noAgent = el(
      "div",
      { attrs: { "data-test": "no-agent" } },
      noAgentText,
      el("p", null, commandLabel, command),
      el("div", { class: "toolbar" }, codeButton),
      codeLine,
      waiting,
      browserText,
      el("div", { class: "toolbar" }, browserButton),
    );

    var intro = el("p", { attrs: { id: "mine-intro" } });
    var lists = el("div", { attrs: { "data-test": "mine-lists" } });
    var shareButton = el("button", {
      class: "primary",
      attrs: { type: "button", "data-test": "mine-share", "aria-describedby": "mine-intro" },
      on: { click: shareChosen },
    });
    var refreshButton = el("button", { attrs: { type: "button", "data-test": "mine-refresh" }, on: { click: refresh } });
    var giveAnyButton = el("button", { attrs: { type: "button", "data-test": "give-any" }, on: { click: giveAny } });
    var giveNote = el("p", { class: "note", attrs: { "data-test": "give-note" } });
    var withAgent = el(
      "div",
      { attrs: { "data-test": "with-agent" } },
      intro,
      lists,
      el("div", { class: "toolbar" }, shareButton, refreshButton, giveAnyButton),
      giveNote,
    );

    // Where the focus goes when the line it was on goes.
    var ownHeading = el("h3", { attrs: { id: "own-heading", tabindex: "-1" } });
    var nothingShown = el("p", { class: "note", attrs: { "data-test": "nothing-shown" } });
    var ownList = el("ul", { class: "own-streams", attrs: { "data-test": "own-streams", "aria-labelledby": "own-heading" } });

    // Named (aria-labelledby) only while open: closed, they hold nothing.
    var confirmDialog = el("dialog", { class: "mine-dialog", attrs: { "data-test": "confirm-give-dialog" } });
    confirmDialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      closeConfirm();
    });
    var controlDialog = el("dialog", { class: "mine-dialog", attrs: { "data-test": "control-dialog" } });
    controlDialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      if (!busy) closeControlDialog();
    });

    var element = el(
      "section",
      { class: "mine", attrs: { "aria-labelledby": "mine-heading", "data-test": "show-mine" } },
      heading,
      checking,
      noAgent,
      withAgent,
      statusLine,
      ownHeading,
      nothingShown,
      ownList,
      confirmDialog,
      controlDialog,
    );

    function isHost() {
      return !!panel.context && panel.context.role === "host";
    }

    function customer() {
      return (panel.context && panel.context.customer) || null;
    }

    function nameOf(id) {
      var selected = customer();
      if (selected && selected.id === id) return selected.display_name;
      return names[id] || id;
    }

    function setStatus(key, params, error) {
      status = { key: key, params: params || {}, error: !!error };
      render();
    }

    // --- the lists (running applications, New application) ---
    function radio(name, value, id, describedBy) {
      var attrs = { type: "radio", name: name, value: value, id: id };
      if (describedBy) attrs["aria-describedby"] = describedBy;
      return el("input", { attrs: attrs });
    }

    function choiceLabel(id, name, detail) {
      return el(
        "label",
        { attrs: { for: id } },
        el("span", { class: "name" }, name),
        detail ? el("span", { class: "detail", attrs: { id: id + "-detail" } }, detail) : null,
      );
    }

    /** The two fieldsets of `choices` (AppShare.choices), radios named `name`, ids prefixed with `prefix`. */
    function choiceLists(choices, name, prefix) {
      var running = choices.running.length
        ? el(
            "ul",
            { class: "choices" },
            choices.running.map(function (app, index) {
              var id = prefix + "-app-" + index;
              var item = el(
                "li",
                { attrs: { "data-test": "mine-running" } },
                el("div", { class: "choice" }, radio(name, app.value, id, app.detail ? id + "-detail" : null), choiceLabel(id, app.name, app.detail)),
              );
              if (app.windows.length) {
                item.appendChild(
                  el(
                    "fieldset",
                    { class: "windows" },
                    el("legend", { class: "visually-hidden" }, t("windows_of", { name: app.name })),
                    el(
                      "ul",
                      { class: "choices" },
                      app.windows.map(function (window, windowIndex) {
                        var windowId = id + "-window-" + windowIndex;
                        return el(
                          "li",
                          { attrs: { "data-test": "mine-window" } },
                          el("div", { class: "choice" }, radio(name, window.value, windowId), el("label", { attrs: { for: windowId } }, window.title || app.name)),
                        );
                      }),
                    ),
                  ),
                );
              }
              return item;
            }),
          )
        : el("p", { class: "note" }, t("no_running_mine"));
      var installed = choices.installed.length
        ? el(
            "ul",
            { class: "choices" },
            choices.installed.map(function (app, index) {
              var id = prefix + "-new-" + index;
              return el(
                "li",
                { attrs: { "data-test": "mine-installed" } },
                el("div", { class: "choice" }, radio(name, app.value, id, app.comment ? id + "-detail" : null), choiceLabel(id, app.name, app.comment)),
              );
            }),
          )
        : el("p", { class: "note" }, t("no_installed_mine"));
      return [
        el("fieldset", { attrs: { "data-test": "mine-running-list" } }, el("legend", null, t("running_mine")), running),
        el("fieldset", { attrs: { "data-test": "mine-new-application" } }, el("legend", null, t("new_application")), installed),
      ];
    }

    function chosenIn(container, name) {
      var checked = container.querySelector('input[name="' + name + '"]:checked');
      return checked ? checked.value : null;
    }

    /** Redraws `container`'s lists, keeping the choice and the focus. */
    function redrawLists(container, choices, name, prefix, before, after) {
      var chosen = chosenIn(container, name);
      var focused = document.activeElement && container.contains(document.activeElement) ? document.activeElement.id : "";
      panel.replace(container, before || null, choiceLists(choices, name, prefix), after || null);
      if (chosen) {
        var again = container.querySelector('input[name="' + name + '"][value="' + CSS.escape(chosen) + '"]');
        if (again) again.checked = true;
      }
      if (focused) {
        var target = document.getElementById(focused);
        if (target) target.focus();
      }
    }

    // --- the CSR's own agent ---
    function refresh() {
      if (!isHost() || !(panel.context && panel.context.session)) return;
      stopPolling();
      panel.command("mine", {}).then(
        function (answer) {
          agent = answer && typeof answer === "object" ? answer : { agent: false };
          if (typeof agent.participant === "string") me = agent.participant;
          model = AppShare.choices(agent.running, agent.installed);
          if (agent.agent) {
            code = null;
            redrawLists(lists, model, "mine-choice", "mine");
          }
          render();
          if (!agent.agent) schedulePoll();
        },
        function (error) {
          // Without the lists, sharing from the browser still works.
          agent = { agent: false, running: [], installed: [] };
          setStatus("agent_cannot", { error: error.message }, true);
        },
      );
    }

    /** While a one-time code is good, the CSR may be starting their agent: look again soon. */
    function schedulePoll() {
      stopPolling();
      if (!isHost() || !code || Date.now() > code.until) return;
      pollTimer = setTimeout(refresh, AGENT_POLL_MS);
    }

    function stopPolling() {
      if (pollTimer !== null) clearTimeout(pollTimer);
      pollTimer = null;
    }

    function getCode() {
      if (typeof panel.agentCode !== "function") {
        setStatus("code_failed", { error: "—" }, true);
        return;
      }
      codeButton.disabled = true;
      panel.agentCode().then(
        function (answer) {
          codeButton.disabled = false;
          var minutes = AppShare.codeMinutes(answer.expires_in_secs);
          code = { code: String(answer.code), minutes: minutes, until: Date.now() + Number(answer.expires_in_secs || 60) * 1000 };
          setStatus("", {});
          schedulePoll();
        },
        function (error) {
          codeButton.disabled = false;
          setStatus("code_failed", { error: error.message }, true);
        },
      );
    }

    // --- showing ---
    function shareChosen() {
      if (busy) return;
      var request = AppShare.shareRequest(chosenIn(lists, "mine-choice"), model);
      if (!request) {
        setStatus("choose_first", {}, true);
        var first = lists.querySelector('input[name="mine-choice"]');
        if (first) first.focus();
        return;
      }
      busy = true;
      setStatus("", {});
      panel.command("show", request).then(
        function (answer) {
          busy = false;
          lists.querySelectorAll('input[name="mine-choice"]').forEach(function (input) {
            input.checked = false;
          });
          setStatus("showing_now", { label: (answer && answer.label) || "" });
        },
        function (error) {
          busy = false;
          setStatus("show_failed", { error: error.message }, true);
          refresh();
        },
      );
    }

    function shareFromBrowser() {
      if (busy || startingBrowser) return;
      if (!AppShareBrowser.supported(panel)) {
        setStatus("browser_unsupported", {}, true);
        return;
      }
      startingBrowser = true;
      setStatus("", {});
      AppShareBrowser.capture(panel).then(
        function (captured) {
          var label = AppShareBrowser.labelFor(captured.label, captured.surface, t);
          return panel.command("show_browser", { label: label }).then(
            function (answer) {
              startingBrowser = false;
              attach(answer.stream, answer.label || label, captured);
              setStatus("showing_now", { label: answer.label || label });
            },
            function (error) {
              startingBrowser = false;
              captured.stop();
              setStatus("browser_failed", { error: error.message }, true);
            },
          );
        },
        function (error) {
          startingBrowser = false;
          if (error.reason === "screen") setStatus("browser_screen", {}, true);
          else if (error.reason === "cancelled") setStatus("browser_cancelled", {}, false);
          else if (error.reason === "unsupported") setStatus("browser_unsupported", {}, true);
          else setStatus("browser_failed", { error: error.message }, true);
        },
      );
    }

    /** A browser's share of stream `id` started here again, after this panel lost it. */
    function shareAgain(id) {
      var shown = own.get(id);
      if (!shown || shown.sharer || startingBrowser) return;
      startingBrowser = true;
      render();
      AppShareBrowser.capture(panel).then(
        function (captured) {
          startingBrowser = false;
          if (!own.has(id)) {
            captured.stop();
            render();
            return;
          }
          attach(id, shown.label, captured);
          setStatus("showing_now", { label: shown.label });
        },
        function (error) {
          startingBrowser = false;
          if (error.reason === "screen") setStatus("browser_screen", {}, true);
          else if (error.reason === "cancelled") setStatus("browser_cancelled", {}, false);
          else setStatus("browser_failed", { error: error.message }, true);
        },
      );
    }

    /** Starts sending what `captured` shows on stream `id` (a browser's share). */
    function attach(id, label, captured) {
      var shown = upsert({ stream: id, label: label, origin: "csr_browser", controller: null });
      if (shown.sharer) shown.sharer.stop();
      shown.sharer = AppShareBrowser.start({
        stream: id,
        capture: captured,
        send: function (buffer) {
          panel.sendFrame(buffer);
        },
        container: shown.parts.preview,
        previewLabel: t("preview", { label: label }),
        onEnded: function () {
          // Stopped from the browser's own bar: the stream ends too.
          stopStream(id);
        },
      });
      render();
    }

    function stopStream(id) {
      var shown = own.get(id);
      if (!shown) return;
      shown.parts.stop.disabled = true;
      panel.command("stop", { stream: id }).then(
        function () {
          // The stream's "closed" event removes it.
        },
        function (error) {
          shown.parts.stop.disabled = false;
          setStatus("stop_failed", { label: shown.label, error: error.message }, true);
        },
      );
    }

    // --- control ---
    function giveAny() {
      var selected = customer();
      if (!selected || busy) return;
      busy = true;
      render();
      panel.command("give", { customer: selected.id }).then(
        function (answer) {
          busy = false;
          if (answer && answer.choose) {
            openControlDialog(selected, answer.running, answer.installed);
            render();
          } else {
            var shown = answer && own.get(answer.stream);
            setStatus("given", { customer: selected.display_name, label: shown ? shown.label : "" });
          }
        },
        function (error) {
          busy = false;
          setStatus("give_failed", { error: error.message }, true);
        },
      );
    }

    function openControlDialog(selected, running, installed) {
      choosing = { customer: selected.id, name: selected.display_name, model: AppShare.choices(running, installed) };
      dialogError = "";
      returnFocus = document.activeElement;
      renderControlDialog();
      named(controlDialog, "control-title", "control-prompt");
      controlDialog.showModal();
      var first = controlDialog.querySelector('input[name="control-choice"]') || controlDialog.querySelector('[data-test="control-cancel"]');
      if (first) first.focus();
    }

    function renderControlDialog() {
      if (!choosing) return;
      var params = { customer: choosing.name };
      redrawLists(
        controlDialog,
        choosing.model,
        "control-choice",
        "control",
        [
          el("h2", { attrs: { id: "control-title" } }, t("control_dialog_title")),
          el("p", { attrs: { id: "control-prompt" } }, t("control_dialog_prompt", params)),
          el("p", { class: "warning", attrs: { "data-test": "control-warning" } }, t("control_dialog_warning", params)),
        ],
        [
          el("p", { class: "status error", attrs: { role: "alert", "data-test": "control-error" } }, dialogError),
          el(
            "div",
            { class: "toolbar dialog-buttons" },
            el("button", { class: "primary", attrs: { type: "button", "data-test": "control-share" }, props: { disabled: busy }, on: { click: shareUnderControl } }, t("share")),
            el("button", { attrs: { type: "button", "data-test": "control-cancel" }, props: { disabled: busy }, on: { click: closeControlDialog } }, t("cancel")),
          ),
        ],
      );
    }

    function shareUnderControl() {
      if (!choosing || busy) return;
      var request = AppShare.shareRequest(chosenIn(controlDialog, "control-choice"), choosing.model);
      if (!request) {
        dialogError = t("choose_first");
        renderControlDialog();
        var first = controlDialog.querySelector('input[name="control-choice"]');
        if (first) first.focus();
        return;
      }
      var to = choosing;
      request.give = to.customer;
      busy = true;
      renderControlDialog();
      panel.command("show", request).then(
        function (answer) {
          busy = false;
          closeControlDialog();
          if (answer && answer.control_error) setStatus("give_failed", { error: answer.control_error }, true);
          else setStatus("given", { customer: to.name, label: (answer && answer.label) || "" });
        },
        function (error) {
          busy = false;
          dialogError = t("show_failed", { error: error.message });
          renderControlDialog();
        },
      );
    }

    function closeControlDialog() {
      choosing = null;
      dialogError = "";
      if (controlDialog.open) controlDialog.close();
      panel.replace(controlDialog);
      named(controlDialog, null, null);
      restoreFocus(giveAnyButton);
    }

    /** Names a dialog by its title and text while it is open (`null`: closed). */
    function named(dialog, title, text) {
      if (title) dialog.setAttribute("aria-labelledby", title);
      else dialog.removeAttribute("aria-labelledby");
      if (text) dialog.setAttribute("aria-describedby", text);
      else dialog.removeAttribute("aria-describedby");
    }

    /** Focuses the first of `buttons` that shows, if the focus was on one of this line's buttons or nowhere. */
    function focusFirst(buttons) {
      render();
      var active = document.activeElement;
      if (active && active !== document.body && !active.hidden && active.offsetParent !== null) return;
      for (var i = 0; i < buttons.length; i++) {
        if (buttons[i] && !buttons[i].hidden) {
          buttons[i].focus();
          return;
        }
      }
    }

    function restoreFocus(fallback) {
      render();
      var back = returnFocus && returnFocus !== document.body && document.contains(returnFocus) && !returnFocus.hidden ? returnFocus : fallback;
      returnFocus = null;
      if (back && !back.hidden && typeof back.focus === "function") back.focus();
    }

    /** Give control of stream `id` to the selected customer: first the warning. */
    function askToGive(id) {
      var shown = own.get(id);
      var selected = customer();
      if (!shown || !selected) return;
      confirming = { stream: id, customer: selected.id, name: selected.display_name };
      returnFocus = shown.parts.give;
      var params = { customer: selected.display_name, label: shown.label };
      panel.replace(
        confirmDialog,
        el("h2", { attrs: { id: "confirm-title" } }, t("confirm_title", params)),
        el("p", { class: "warning", attrs: { id: "confirm-text" } }, t("confirm_text", params)),
        el("p", null, t("confirm_back")),
        el(
          "div",
          { class: "toolbar dialog-buttons" },
          el("button", { class: "primary", attrs: { type: "button", "data-test": "confirm-give" }, on: { click: confirmGive } }, t("confirm_give")),
          el("button", { attrs: { type: "button", "data-test": "confirm-cancel" }, on: { click: closeConfirm } }, t("cancel")),
        ),
      );
      named(confirmDialog, "confirm-title", "confirm-text");
      confirmDialog.showModal();
      // The safe answer has the focus.
      confirmDialog.querySelector('[data-test="confirm-cancel"]').focus();
    }

    function closeConfirm() {
      confirming = null;
      if (confirmDialog.open) confirmDialog.close();
      panel.replace(confirmDialog);
      named(confirmDialog, null, null);
      restoreFocus(null);
    }

    function confirmGive() {
      if (!confirming) return;
      var asked = confirming;
      closeConfirm();
      var shown = own.get(asked.stream);
      panel.command("give", { stream: asked.stream, customer: asked.customer }).then(
        function () {
          setStatus("given", { customer: asked.name, label: shown ? shown.label : "" });
          // Give is gone from the line now: Take control back is next to it.
          if (shown && own.has(shown.id)) focusFirst([shown.parts.take, shown.parts.stop]);
        },
        function (error) {
          setStatus("give_failed", { error: error.message }, true);
        },
      );
    }

    function take(id) {
      var shown = own.get(id);
      if (!shown) return;
      shown.parts.take.disabled = true;
      panel.command("take", { stream: id }).then(
        function () {
          shown.parts.take.disabled = false;
          setStatus("taken", { label: shown.label });
          if (own.has(id)) focusFirst([shown.parts.give, shown.parts.stop]);
        },
        function (error) {
          shown.parts.take.disabled = false;
          setStatus("take_failed", { error: error.message }, true);
        },
      );
    }

    // --- the streams this console shows ---
    /** The entry of an own stream (an `opened` event or a state entry), created where new. */
    function upsert(entry) {
      var id = entry.stream;
      var shown = own.get(id);
      if (!shown) {
        var labelId = "own-label-" + id;
        var parts = {
          label: el("span", { class: "own-label", attrs: { id: labelId, "data-test": "own-label" } }),
          control: el("span", { class: "own-control", attrs: { "data-test": "own-control" } }),
          preview: el("div", { class: "preview" }),
          give: el("button", {
            attrs: { type: "button", "data-test": "own-give", "aria-describedby": labelId },
            on: {
              click: function () {
                askToGive(id);
              },
            },
          }),
          take: el("button", {
            attrs: { type: "button", "data-test": "own-take", "aria-describedby": labelId },
            on: {
              click: function () {
                take(id);
              },
            },
          }),
          again: el("button", {
            attrs: { type: "button", "data-test": "own-share-again", "aria-describedby": labelId },
            on: {
              click: function () {
                shareAgain(id);
              },
            },
          }),
          stop: el("button", {
            attrs: { type: "button", "data-test": "own-stop", "aria-describedby": labelId },
            on: {
              click: function () {
                stopStream(id);
              },
            },
          }),
        };
        var item = el(
          "li",
          { class: "own-stream", attrs: { "data-stream": String(id), "data-test": "own-stream" } },
          el("div", { class: "own-head" }, parts.label, parts.control),
          parts.preview,
          el("div", { class: "toolbar" }, parts.give, parts.take, parts.again, parts.stop),
        );
        shown = { id: id, label: "", origin: "csr_agent", controller: null, controllerName: null, sharer: null, item: item, parts: parts };
        own.set(id, shown);
        ownList.appendChild(item);
      }
      if (typeof entry.label === "string" && entry.label) shown.label = entry.label;
      if (entry.origin === "csr_agent" || entry.origin === "csr_browser") shown.origin = entry.origin;
      if (entry.controller !== undefined) shown.controller = typeof entry.controller === "string" ? entry.controller : null;
      if (typeof entry.controller_name === "string") shown.controllerName = entry.controller_name;
      else if (entry.controller !== undefined) shown.controllerName = shown.controller ? nameOf(shown.controller) : null;
      return shown;
    }

    function renderOwn(shown) {
      var selected = customer();
      shown.item.dataset.origin = shown.origin;
      shown.item.dataset.controller = shown.controller || "";
      shown.parts.label.textContent = shown.label || t("untitled", { stream: shown.id });
      var note = AppShare.ownControlNote(
        { origin: shown.origin, controller: shown.controller, controller_name: shown.controllerName },
        !!shown.sharer,
        startingBrowser,
      );
      shown.parts.control.textContent = note ? t(note.key, note.params) : "";
      var agentShare = shown.origin === "csr_agent";
      shown.parts.give.textContent = selected ? t("give", { customer: selected.display_name }) : "";
      shown.parts.give.hidden = !agentShare || !selected || shown.controller === selected.id;
      shown.parts.take.textContent = t("take");
      shown.parts.take.hidden = !agentShare || !shown.controller;
      shown.parts.again.textContent = t("share_again");
      shown.parts.again.hidden = shown.origin !== "csr_browser" || !!shown.sharer || startingBrowser;
      shown.parts.stop.textContent = t("stop");
    }

    // --- page ---
    function render() {
      var host = isHost();
      element.hidden = !host;
      heading.textContent = t("mine_heading");
      var known = !!agent;
      var attached = known && agent.agent === true;
      checking.textContent = t("mine_checking");
      checking.hidden = known;
      noAgent.hidden = !known || attached;
      withAgent.hidden = !attached;

      noAgentText.textContent = t("no_agent");
      commandLabel.textContent = t("agent_command") + " ";
      command.textContent = AppShare.agentCommand(panel.context && (panel.context.join_link || panel.context.session));
      codeButton.textContent = t(code ? "new_code" : "get_code");
      codeLine.textContent = code ? t("code_is", { code: code.code, minutes: code.minutes }) : "";
      codeLine.hidden = !code;
      waiting.textContent = code ? t("waiting_agent") : "";
      waiting.hidden = !code;
      browserText.textContent = t("browser_intro");
      browserButton.textContent = t("share_browser");
      browserButton.disabled = startingBrowser;

      intro.textContent = t("mine_intro");
      shareButton.textContent = t("share");
      shareButton.disabled = busy;
      refreshButton.textContent = t("refresh");
      var selected = customer();
      var agentShows = false;
      own.forEach(function (shown) {
        if (shown.origin === "csr_agent") agentShows = true;
      });
      giveAnyButton.textContent = selected ? t("give_any", { customer: selected.display_name }) : "";
      giveAnyButton.hidden = !selected || agentShows;
      giveAnyButton.disabled = busy;
      giveNote.textContent = selected ? "" : t("select_customer_to_give");
      giveNote.hidden = !!selected;

      statusLine.textContent = status.key ? t(status.key, status.params) : "";
      statusLine.className = status.error ? "status error" : "status";
      ownHeading.textContent = t("own_heading");
      nothingShown.textContent = t("nothing_shown");
      nothingShown.hidden = own.size > 0;
      own.forEach(renderOwn);
      if (choosing) renderControlDialog();
    }

    // --- what viewer.js tells it ---
    return {
      element: element,
      render: render,
      /** This CSR's participant id, once the plugin said it. */
      participant: function () {
        return me;
      },
      has: function (id) {
        return own.has(id);
      },
      contextChanged: function (context, changedSession) {
        if (!context || context.role !== "host") {
          stopPolling();
        } else if (changedSession || !agent) {
          refresh();
        } else if (agent.agent) {
          // The language may have changed: the lists' words too.
          redrawLists(lists, model, "mine-choice", "mine");
        }
        render();
      },
      /** The plugin's state: the entries this console shows, with who controls them. */
      setState: function (state) {
        var streams = state && Array.isArray(state.streams) ? state.streams : [];
        streams.forEach(function (entry) {
          if (!entry || typeof entry !== "object") return;
          if (typeof entry.source === "string" && typeof entry.source_name === "string") names[entry.source] = entry.source_name;
          if (typeof entry.controller === "string" && typeof entry.controller_name === "string") names[entry.controller] = entry.controller_name;
          if (AppShare.isOwnStream(entry, me, panel.context && panel.context.role) === true) upsert(entry);
        });
        render();
      },
      streamOpened: function (event) {
        upsert(event);
        render();
      },
      streamControl: function (event) {
        if (!own.has(event.stream)) return;
        upsert({ stream: event.stream, controller: typeof event.controller === "string" ? event.controller : null });
        render();
      },
      streamClosed: function (event) {
        var shown = own.get(event.stream);
        if (!shown) return;
        own.delete(event.stream);
        if (shown.sharer) shown.sharer.stop();
        var hadFocus = shown.item.contains(document.activeElement);
        shown.item.remove();
        if (hadFocus) ownHeading.focus();
        if (confirming && confirming.stream === event.stream) closeConfirm();
        setStatus("shown_ended", { label: shown.label || t("untitled", { stream: shown.id }) });
      },
      /** A frame on a stream this console shows (acknowledgements, keyframe requests): whether it was one. */
      receiveFrame: function (frame) {
        var shown = frame && own.get(frame.stream);
        if (!shown) return false;
        if (shown.sharer) shown.sharer.receive(frame);
        return true;
      },
    };
  }

  root.AppShareMine = { create: create };
})(typeof window !== "undefined" ? window : globalThis);
