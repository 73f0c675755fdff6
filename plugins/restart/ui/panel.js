// Restart panel: restarts the selected customer's computer after they
// allow it, and says when they are back in the session.
(function () {
  "use strict";
  var strings = {
    en: {
      choose: "Select a customer to restart their computer.",
      explain: "The customer is asked first. After the restart and their next log-in, they rejoin this session by themselves.",
      restart: "Restart computer",
      confirm: "Restart {customer}'s computer? Unsaved work on it may be lost.",
      waiting: "Waiting for {customer} to allow the restart…",
      restarting: "{customer}'s computer is restarting. They will rejoin automatically.",
      denied: "{customer} did not allow the restart.",
      timed_out: "{customer} did not answer in time.",
      rejoined: "{customer} rejoined the session after the restart.",
      failed: "The restart failed: {error}",
    },
    da: {
      choose: "Vælg en kunde for at genstarte kundens computer.",
      explain: "Kunden bliver spurgt først. Efter genstarten og næste logon deltager kunden automatisk i denne session igen.",
      restart: "Genstart computer",
      confirm: "Genstart {customer}s computer? Arbejde, der ikke er gemt, kan gå tabt.",
      waiting: "Venter på, at {customer} tillader genstarten…",
      restarting: "{customer}s computer genstarter. Kunden deltager automatisk igen.",
      denied: "{customer} tillod ikke genstarten.",
      timed_out: "{customer} svarede ikke i tide.",
      rejoined: "{customer} deltager i sessionen igen efter genstarten.",
      failed: "Genstarten mislykkedes: {error}",
    },
    fr: {
      choose: "Sélectionnez un client pour redémarrer son ordinateur.",
      explain: "Le client est d'abord consulté. Après le redémarrage et sa prochaine connexion, il rejoint cette session de lui-même.",
      restart: "Redémarrer l'ordinateur",
      confirm: "Redémarrer l'ordinateur de {customer} ? Le travail non enregistré risque d'être perdu.",
      waiting: "En attente de l'accord de {customer} pour le redémarrage…",
      restarting: "L'ordinateur de {customer} redémarre. Le client rejoindra la session automatiquement.",
      denied: "{customer} n'a pas autorisé le redémarrage.",
      timed_out: "{customer} n'a pas répondu à temps.",
      rejoined: "{customer} a rejoint la session après le redémarrage.",
      failed: "Le redémarrage a échoué : {error}",
    },
    ja: {
      choose: "コンピューターを再起動するには顧客を選択してください。",
      explain: "最初に顧客の許可を求めます。再起動して次にログインすると、顧客は自動的にこのセッションに再参加します。",
      restart: "コンピューターを再起動",
      confirm: "{customer} のコンピューターを再起動しますか? 保存されていない作業は失われる可能性があります。",
      waiting: "{customer} が再起動を許可するのを待っています…",
      restarting: "{customer} のコンピューターを再起動しています。自動的に再参加します。",
      denied: "{customer} は再起動を許可しませんでした。",
      timed_out: "{customer} は時間内に応答しませんでした。",
      rejoined: "{customer} は再起動後にセッションに再参加しました。",
      failed: "再起動できませんでした: {error}",
    },
  };

  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var status = { key: "", params: {}, error: false };
  var busy = false;

  function setStatus(key, params, error) {
    status = { key: key, params: params || {}, error: !!error };
    render();
  }

  function restart() {
    var customer = panel.context.customer;
    var name = { customer: customer.display_name };
    if (!window.confirm(panel.t("confirm", name))) return;
    busy = true;
    setStatus("waiting", name);
    panel.customerCommand("restart", {}).then(
      function (answer) {
        busy = false;
        setStatus(answer.status, { customer: answer.customer }, answer.status !== "restarting");
      },
      function (error) {
        busy = false;
        setStatus("failed", { error: error.message }, true);
      },
    );
  }

  panel.onMessage(function (message) {
    if (message && message.type === "rejoined") {
      setStatus("rejoined", { customer: message.display_name || "" });
    }
  });

  function render() {
    var context = panel.context;
    if (!context || !context.customer) {
      panel.replace(root, el("p", { class: "status" }, panel.t("choose")));
      return;
    }
    panel.replace(
      root,
      el("p", null, panel.t("explain")),
      el(
        "div",
        { class: "toolbar" },
        el(
          "button",
          { class: "primary", attrs: { "data-test": "restart" }, props: { disabled: busy }, on: { click: restart } },
          panel.t("restart"),
        ),
      ),
      el(
        "p",
        { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "restart-status" } },
        status.key ? panel.t(status.key, status.params) : "",
      ),
    );
  }

  panel.onContext(render);
})();
