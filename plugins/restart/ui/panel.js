// Restart panel: restarts the selected customer's computer after they
// allow it, and says when they are back in the session.
(function () {
  "use strict";
  var strings = {
    en: {
      choose: "Select a customer to restart their computer.",
      explain_by_itself: "The customer is asked first. Their helper program has prepared to come back: after the restart and their next log-in, they rejoin this session by themselves.",
      explain_with_link: "The customer is asked first. Their computer cannot rejoin by itself: after the restart and their next log-in, they have to open the session link again. The request tells them so.",
      explain_no_agent: "The customer has no helper program running, so their computer cannot be restarted from here.",
      restart: "Restart computer",
      confirm: "Restart {customer}'s computer? Unsaved work on it may be lost.",
      waiting: "Waiting for {customer} to allow the restart…",
      restarting_by_itself: "{customer}'s computer is restarting. They rejoin by themselves after logging in.",
      restarting_with_link: "{customer}'s computer is restarting. They have to rejoin with the session link after logging in.",
      denied: "{customer} did not allow the restart.",
      timed_out: "{customer} did not answer in time.",
      rejoined: "{customer} rejoined the session after the restart.",
      failed: "The restart failed: {error}",
    },
    da: {
      choose: "Vælg en kunde for at genstarte kundens computer.",
      explain_by_itself: "Kunden bliver spurgt først. Kundens hjælpeprogram er forberedt på at vende tilbage: efter genstarten og næste logon deltager kunden automatisk i denne session igen.",
      explain_with_link: "Kunden bliver spurgt først. Kundens computer kan ikke selv vende tilbage: efter genstarten og næste logon skal kunden åbne sessionslinket igen. Det står i forespørgslen.",
      explain_no_agent: "Kunden har intet hjælpeprogram kørende, så kundens computer kan ikke genstartes herfra.",
      restart: "Genstart computer",
      confirm: "Genstart {customer}s computer? Arbejde, der ikke er gemt, kan gå tabt.",
      waiting: "Venter på, at {customer} tillader genstarten…",
      restarting_by_itself: "{customer}s computer genstarter. Kunden deltager automatisk igen efter at have logget på.",
      restarting_with_link: "{customer}s computer genstarter. Kunden skal deltage igen med sessionslinket efter at have logget på.",
      denied: "{customer} tillod ikke genstarten.",
      timed_out: "{customer} svarede ikke i tide.",
      rejoined: "{customer} deltager i sessionen igen efter genstarten.",
      failed: "Genstarten mislykkedes: {error}",
    },
    fr: {
      choose: "Sélectionnez un client pour redémarrer son ordinateur.",
      explain_by_itself: "Le client est d'abord consulté. Son programme d'assistance est prêt à revenir : après le redémarrage et sa prochaine connexion, il rejoint cette session de lui-même.",
      explain_with_link: "Le client est d'abord consulté. Son ordinateur ne peut pas rejoindre la session tout seul : après le redémarrage et sa prochaine connexion, il devra rouvrir le lien de la session. La demande le lui indique.",
      explain_no_agent: "Le client n'a aucun programme d'assistance en cours d'exécution : son ordinateur ne peut pas être redémarré d'ici.",
      restart: "Redémarrer l'ordinateur",
      confirm: "Redémarrer l'ordinateur de {customer} ? Le travail non enregistré risque d'être perdu.",
      waiting: "En attente de l'accord de {customer} pour le redémarrage…",
      restarting_by_itself: "L'ordinateur de {customer} redémarre. Le client rejoindra la session de lui-même après s'être reconnecté.",
      restarting_with_link: "L'ordinateur de {customer} redémarre. Après s'être reconnecté, le client devra rejoindre la session avec le lien.",
      denied: "{customer} n'a pas autorisé le redémarrage.",
      timed_out: "{customer} n'a pas répondu à temps.",
      rejoined: "{customer} a rejoint la session après le redémarrage.",
      failed: "Le redémarrage a échoué : {error}",
    },
    ja: {
      choose: "コンピューターを再起動するには顧客を選択してください。",
      explain_by_itself: "最初に顧客の許可を求めます。顧客のヘルパープログラムは戻る準備ができています。再起動して次にログインすると、顧客は自動的にこのセッションに再参加します。",
      explain_with_link: "最初に顧客の許可を求めます。顧客のコンピューターは自動では再参加できません。再起動して次にログインした後、顧客はセッションのリンクを開き直す必要があります。許可の依頼にもそう表示されます。",
      explain_no_agent: "顧客のヘルパープログラムが実行されていないため、ここから顧客のコンピューターを再起動することはできません。",
      restart: "コンピューターを再起動",
      confirm: "{customer} のコンピューターを再起動しますか? 保存されていない作業は失われる可能性があります。",
      waiting: "{customer} が再起動を許可するのを待っています…",
      restarting_by_itself: "{customer} のコンピューターを再起動しています。ログイン後、自動的に再参加します。",
      restarting_with_link: "{customer} のコンピューターを再起動しています。ログイン後、セッションのリンクで再参加する必要があります。",
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
  // How the selected customer comes back after a restart, as their helper
  // program said: "by_itself", "with_link" or "no_agent" ("" until known).
  var rejoin = { customer: null, how: "" };

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
        var key = answer.status === "restarting" ? "restarting_" + answer.rejoin : answer.status;
        if (answer.status === "restarting") rejoin = { customer: customer.id, how: answer.rejoin };
        setStatus(key, { customer: answer.customer }, answer.status !== "restarting");
      },
      function (error) {
        busy = false;
        setStatus("failed", { error: error.message }, true);
      },
    );
  }

  panel.onMessage(function (message) {
    if (message && message.type === "rejoined") {
      // Back with a new helper connection: ask again how it would come back.
      rejoin.customer = null;
      setStatus("rejoined", { customer: message.display_name || "" });
    }
  });

  /** Asks the plugin how the selected customer would come back. */
  function learnRejoin() {
    var customer = panel.context && panel.context.customer;
    if (!customer || rejoin.customer === customer.id) return;
    rejoin = { customer: customer.id, how: "" };
    panel.customerCommand("status", {}).then(
      function (answer) {
        if (rejoin.customer !== customer.id) return;
        rejoin.how = answer.rejoin;
        render();
        // The helper may be started later: look again while there is none.
        if (answer.rejoin === "no_agent") {
          setTimeout(function () {
            if (rejoin.customer === customer.id && rejoin.how === "no_agent") {
              rejoin.customer = null;
              render();
            }
          }, 5000);
        }
      },
      function () {
        rejoin.customer = null;
      },
    );
  }

  function render() {
    var context = panel.context;
    if (!context || !context.customer) {
      panel.replace(root, el("p", { class: "status" }, panel.t("choose")));
      return;
    }
    learnRejoin();
    panel.replace(
      root,
      el(
        "p",
        { attrs: { "data-test": "restart-explain", "data-rejoin": rejoin.how } },
        rejoin.how ? panel.t("explain_" + rejoin.how) : "",
      ),
      el(
        "div",
        { class: "toolbar" },
        el(
          "button",
          {
            class: "primary",
            attrs: { "data-test": "restart" },
            props: { disabled: busy },
            on: { click: restart },
          },
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
