// The customer's "Queue" panel: their place in line and how long they
// have waited, that they are being transferred and to whom, and who took
// them. The plugin pushes each change; the panel asks once when it loads.
(function () {
  "use strict";
  var strings = {
    en: {
      none: "You are not waiting in a queue.", position: "You are number {position} in line for {title}.", first: "You are next in line for {title}.",
      waiting: "{count} customers are waiting.", waiting_one: "1 customer is waiting.", transferred_to_queue: "{from} has transferred you to {title}.", waited: "You have waited {time}.", keep_open: "A support agent will be with you as soon as one is free. Keep this page open.",
      transferring: "You are being transferred to {to}.", transferring_by: "{from} is transferring you to {to}.", taken: "{by} is now helping you.",
    },
    da: {
      none: "Du venter ikke i en kø.", position: "Du er nummer {position} i køen til {title}.", first: "Du er den næste i køen til {title}.",
      waiting: "{count} kunder venter.", waiting_one: "1 kunde venter.", transferred_to_queue: "{from} har overført dig til {title}.", waited: "Du har ventet {time}.", keep_open: "En supportagent tager sig af dig, så snart en er ledig. Hold denne side åben.",
      transferring: "Du bliver overført til {to}.", transferring_by: "{from} overfører dig til {to}.", taken: "{by} hjælper dig nu.",
    },
    fr: {
      none: "Vous n'attendez dans aucune file.", position: "Vous êtes numéro {position} dans la file {title}.", first: "Vous êtes le prochain dans la file {title}.",
      waiting: "{count} clients en attente.", waiting_one: "1 client en attente.", transferred_to_queue: "{from} vous a transféré vers {title}.", waited: "Vous attendez depuis {time}.", keep_open: "Un agent du support s'occupera de vous dès qu'il sera libre. Gardez cette page ouverte.",
      transferring: "Vous êtes en cours de transfert vers {to}.", transferring_by: "{from} vous transfère vers {to}.", taken: "{by} s'occupe maintenant de vous.",
    },
    ja: {
      none: "キューで待機していません。", position: "{title} の順番待ちで {position} 番目です。", first: "{title} の順番待ちで次があなたの番です。",
      waiting: "{count} 人が待っています。", waiting_one: "1 人が待っています。", transferred_to_queue: "{from} があなたを {title} に転送しました。", waited: "待ち時間: {time}", keep_open: "サポート担当者の手が空きしだい対応します。このページを開いたままにしてください。",
      transferring: "{to} に転送しています。", transferring_by: "{from} があなたを {to} に転送しています。", taken: "{by} が対応しています。",
    },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var clock = WebAcd.serverClock();
  var status = null;
  var waited = el("p", { class: "waited", attrs: { "data-test": "queue-waited" } });

  function names(list) {
    if (typeof Intl !== "undefined" && typeof Intl.ListFormat === "function") {
      try {
        return new Intl.ListFormat(panel.context.locale || "en", { type: "conjunction" }).format(list);
      } catch (_) {
        // An unknown locale: the plain list below.
      }
    }
    return list.join(", ");
  }

  function tick() {
    if (status && status.state === "waiting") {
      waited.textContent = panel.t("waited", { time: WebAcd.formatDuration(clock.now() - status.entered_ms) });
    }
  }

  function render() {
    if (!status) {
      panel.replace(root);
      return;
    }
    var body;
    if (status.state === "waiting") {
      body = [
        status.from ? el("p", { attrs: { "data-test": "queue-transferred" } }, panel.t("transferred_to_queue", { from: status.from, title: status.title })) : null,
        el("p", { class: "big", attrs: { "data-test": "queue-position" } }, panel.t(status.position === 1 ? "first" : "position", { position: status.position, title: status.title })),
        el("p", { class: "note", attrs: { "data-test": "queue-count" } }, panel.t(status.waiting === 1 ? "waiting_one" : "waiting", { count: status.waiting })),
        waited,
        el("p", null, panel.t("keep_open")),
      ];
    } else if (status.state === "transferring") {
      var to = names(status.to || []);
      body = el("p", { class: "big", attrs: { "data-test": "queue-transferring" } }, status.from ? panel.t("transferring_by", { from: status.from, to: to }) : panel.t("transferring", { to: to }));
    } else if (status.state === "taken") {
      body = el("p", { class: "big", attrs: { "data-test": "queue-taken" } }, panel.t("taken", { by: status.by }));
    } else {
      body = el("p", { class: "note", attrs: { "data-test": "queue-none" } }, panel.t("none"));
    }
    // A polite live region: a change of place is read out, not forced.
    panel.replace(root, el("div", { attrs: { role: "status", "aria-live": "polite", "data-test": "queue-status", "data-state": status.state } }, body));
    tick();
  }

  function show(value) {
    if (!value || value.type !== "status") return;
    clock.sync(value.now_ms);
    status = value;
    render();
  }

  panel.onMessage(show);
  panel.onContext(function () {
    panel.command("status", {}).then(show, function () {
      status = { state: "none" };
      render();
    });
    render();
  });
  setInterval(tick, 1000);
  // Far back in a long line the plugin does not push every move: ask.
  setInterval(function () {
    if (status && status.state === "waiting") panel.command("status", {}).then(show, function () {});
  }, 30000);
})();
