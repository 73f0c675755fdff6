// Transfer session (the session's "Transfer session ▼" menu), for the host
// when they are a WebACD agent: to one queue, or to one or more online
// WebACD agents, with a message of at most 345 characters as a person
// counts them (a live counter; the plugin counts the same way and refuses
// 346 too). The menu's button shows only for WebACD agents.
(function () {
  "use strict";
  var strings = {
    en: {
      loading: "Loading…", only_agents: "Only WebACD agents may transfer sessions.", only_host: "Only the session's host can transfer it.",
      to: "Transfer to", to_queue: "A queue", to_agents: "Agents", queue: "Queue", queue_option: "{title} ({waiting} waiting)",
      no_queues: "The site has no queues yet.", agents: "Agents (one or more)", agent_detail: "{state}, {customers} of {max} customers",
      available: "available", away: "away", no_agents: "No other WebACD agent is online.", message: "Message (optional)",
      counter: "{count} of {max} characters", too_long: "{count} of {max} characters: too long, remove {over}.", submit: "Transfer",
      choose_agent: "Choose at least one agent.", choose_queue: "Choose a queue.",
      sent_queue: "The session is in the queue {title}. You stay its host until an agent accepts.",
      sent_agents: "Offered to {agents}. You stay the host until one of them accepts.",
      pending_queue: "This session waits in the queue {queue}. You stay its host until an agent accepts.",
      pending_agents: "This session is offered to {agents}. You stay its host until one of them accepts.",
      cancel: "Cancel the transfer", cancelled: "The transfer was cancelled.",
      fell_back_timed_out: "Nobody accepted in time: the customer now waits in the queue {title}.",
      fell_back_declined: "Every agent declined: the customer now waits in the queue {title}.",
      not_transferred: "Nobody accepted and the queue no longer exists: the session stays with you.", failed: "Not transferred: {error}",
    },
    da: {
      loading: "Indlæser…", only_agents: "Kun WebACD-agenter kan overføre sessioner.", only_host: "Kun sessionens vært kan overføre den.",
      to: "Overfør til", to_queue: "En kø", to_agents: "Agenter", queue: "Kø", queue_option: "{title} ({waiting} venter)",
      no_queues: "Webstedet har endnu ingen køer.", agents: "Agenter (en eller flere)", agent_detail: "{state}, {customers} af {max} kunder",
      available: "ledig", away: "væk", no_agents: "Ingen anden WebACD-agent er online.", message: "Besked (valgfri)",
      counter: "{count} af {max} tegn", too_long: "{count} af {max} tegn: for lang, fjern {over}.", submit: "Overfør",
      choose_agent: "Vælg mindst én agent.", choose_queue: "Vælg en kø.",
      sent_queue: "Sessionen står i køen {title}. Du er fortsat vært, indtil en agent accepterer.",
      sent_agents: "Tilbudt til {agents}. Du er fortsat vært, indtil en af dem accepterer.",
      pending_queue: "Sessionen venter i køen {queue}. Du er fortsat vært, indtil en agent accepterer.",
      pending_agents: "Sessionen er tilbudt til {agents}. Du er fortsat vært, indtil en af dem accepterer.",
      cancel: "Annuller overførslen", cancelled: "Overførslen er annulleret.",
      fell_back_timed_out: "Ingen accepterede i tide: kunden venter nu i køen {title}.",
      fell_back_declined: "Alle agenter afslog: kunden venter nu i køen {title}.",
      not_transferred: "Ingen accepterede, og køen findes ikke længere: sessionen bliver hos dig.", failed: "Ikke overført: {error}",
    },
    fr: {
      loading: "Chargement…", only_agents: "Seuls les agents WebACD peuvent transférer des sessions.", only_host: "Seul l'hôte de la session peut la transférer.",
      to: "Transférer vers", to_queue: "Une file d'attente", to_agents: "Des agents", queue: "File d'attente", queue_option: "{title} ({waiting} en attente)",
      no_queues: "Le site n'a pas encore de file d'attente.", agents: "Agents (un ou plusieurs)", agent_detail: "{state}, {customers} client(s) sur {max}",
      available: "disponible", away: "absent", no_agents: "Aucun autre agent WebACD n'est en ligne.", message: "Message (facultatif)",
      counter: "{count} caractères sur {max}", too_long: "{count} caractères sur {max} : trop long, retirez-en {over}.", submit: "Transférer",
      choose_agent: "Choisissez au moins un agent.", choose_queue: "Choisissez une file d'attente.",
      sent_queue: "La session est dans la file {title}. Vous en restez l'hôte jusqu'à ce qu'un agent accepte.",
      sent_agents: "Proposée à {agents}. Vous restez l'hôte jusqu'à ce que l'un d'eux accepte.",
      pending_queue: "Cette session attend dans la file {queue}. Vous en restez l'hôte jusqu'à ce qu'un agent accepte.",
      pending_agents: "Cette session est proposée à {agents}. Vous en restez l'hôte jusqu'à ce que l'un d'eux accepte.",
      cancel: "Annuler le transfert", cancelled: "Le transfert a été annulé.",
      fell_back_timed_out: "Personne n'a accepté à temps : le client attend maintenant dans la file {title}.",
      fell_back_declined: "Tous les agents ont refusé : le client attend maintenant dans la file {title}.",
      not_transferred: "Personne n'a accepté et la file n'existe plus : la session reste avec vous.", failed: "Non transféré : {error}",
    },
    ja: {
      loading: "読み込み中…", only_agents: "セッションを転送できるのは WebACD エージェントだけです。", only_host: "セッションを転送できるのはホストだけです。",
      to: "転送先", to_queue: "キュー", to_agents: "エージェント", queue: "キュー", queue_option: "{title} (待機中 {waiting} 人)",
      no_queues: "このサイトにはまだキューがありません。", agents: "エージェント (1 人以上)", agent_detail: "{state}、顧客 {customers}/{max} 人",
      available: "対応可能", away: "離席中", no_agents: "オンラインのほかの WebACD エージェントはいません。", message: "メッセージ (任意)",
      counter: "{count}/{max} 文字", too_long: "{count}/{max} 文字: 長すぎます。{over} 文字減らしてください。", submit: "転送",
      choose_agent: "エージェントを 1 人以上選んでください。", choose_queue: "キューを選んでください。",
      sent_queue: "セッションはキュー {title} に入りました。エージェントが受け入れるまで、あなたがホストのままです。",
      sent_agents: "{agents} に提示しました。いずれかが受け入れるまで、あなたがホストのままです。",
      pending_queue: "このセッションはキュー {queue} で待機中です。エージェントが受け入れるまで、あなたがホストのままです。",
      pending_agents: "このセッションは {agents} に提示中です。いずれかが受け入れるまで、あなたがホストのままです。",
      cancel: "転送を取り消す", cancelled: "転送を取り消しました。",
      fell_back_timed_out: "時間内に受け入れたエージェントがいなかったため、顧客はキュー {title} で待機しています。",
      fell_back_declined: "すべてのエージェントが辞退したため、顧客はキュー {title} で待機しています。",
      not_transferred: "受け入れたエージェントがおらず、キューも存在しないため、セッションはあなたのままです。", failed: "転送できませんでした: {error}",
    },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var options = null;
  var mode = "queue";
  var chosenQueue = "";
  var chosenAgents = {};
  var status = { text: "", error: false };
  var busy = false;
  var session = null;

  // Kept across renders, so typing is never interrupted.
  var message = el("textarea", { attrs: { id: "transfer-message", rows: "4", "data-test": "transfer-message", "aria-describedby": "transfer-counter" } });
  var counter = el("p", { class: "counter", attrs: { id: "transfer-counter", "aria-live": "polite", "data-test": "transfer-counter" } });
  var submit = el("button", { class: "primary", attrs: { type: "button", "data-test": "transfer-submit" }, on: { click: send } });
  message.addEventListener("input", updateCounter);

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

  function queueTitle(name) {
    var found = ((options && options.queues) || []).filter(function (q) {
      return q.name === name;
    })[0];
    return found ? found.title : name;
  }

  /** The message's length as a person counts it, over the limit or not. */
  function updateCounter() {
    var max = (options && options.max_message) || WebAcd.MAX_MESSAGE;
    var count = WebAcd.countCharacters(message.value);
    var over = count > max;
    counter.textContent = over ? panel.t("too_long", { count: count, max: max, over: count - max }) : panel.t("counter", { count: count, max: max });
    counter.className = over ? "counter over" : "counter";
    message.setAttribute("aria-invalid", over ? "true" : "false");
    submit.disabled = busy || over || !ready();
    return !over;
  }

  function ready() {
    if (mode === "queue") return !!chosenQueue;
    return Object.keys(chosenAgents).some(function (u) {
      return chosenAgents[u];
    });
  }

  function load() {
    if (!panel.context || !panel.context.session) return;
    panel.command("transfer.options", {}).then(
      function (value) {
        options = value;
        panel.showMenu(!!value.allowed);
        var queues = value.queues || [];
        if (!queues.some(function (q) { return q.name === chosenQueue; })) chosenQueue = queues.length ? queues[0].name : "";
        var online = {};
        (value.agents || []).forEach(function (a) {
          online[a.username] = true;
        });
        Object.keys(chosenAgents).forEach(function (u) {
          if (!online[u]) delete chosenAgents[u];
        });
        render();
      },
      function (error) {
        options = { allowed: false, reason: error.message };
        panel.showMenu(false);
        render();
      },
    );
  }

  function radio(value) {
    var id = "transfer-mode-" + value;
    return el(
      "li",
      { class: "choice" },
      el("input", {
        attrs: { type: "radio", name: "transfer-mode", id: id, value: value, "data-test": id },
        props: { checked: mode === value },
        on: {
          change: function () {
            mode = value;
            status = { text: "", error: false };
            render();
          },
        },
      }),
      el("label", { attrs: { for: id } }, panel.t(value === "queue" ? "to_queue" : "to_agents")),
    );
  }

  function queueChoice() {
    var queues = options.queues || [];
    if (!queues.length) return el("p", { class: "note", attrs: { "data-test": "transfer-no-queues" } }, panel.t("no_queues"));
    var select = el(
      "select",
      { attrs: { id: "transfer-queue", "data-test": "transfer-queue" }, on: { change: function () { chosenQueue = select.value; updateCounter(); } } },
      queues.map(function (q) {
        return el("option", { attrs: { value: q.name }, props: { selected: q.name === chosenQueue } }, panel.t("queue_option", { title: q.title, waiting: q.waiting }));
      }),
    );
    return [el("label", { attrs: { for: "transfer-queue" } }, panel.t("queue")), select];
  }

  function agentChoice() {
    var agents = options.agents || [];
    if (!agents.length) return el("p", { class: "note", attrs: { "data-test": "transfer-no-agents" } }, panel.t("no_agents"));
    return el(
      "fieldset",
      null,
      el("legend", null, panel.t("agents")),
      el(
        "ul",
        { class: "choices" },
        agents.map(function (agent) {
          var id = "transfer-agent-" + agent.username;
          return el(
            "li",
            { class: "choice" },
            el("input", {
              attrs: { type: "checkbox", id: id, value: agent.username, "data-test": "transfer-agent" },
              props: { checked: !!chosenAgents[agent.username] },
              on: {
                change: function (event) {
                  chosenAgents[agent.username] = event.target.checked;
                  updateCounter();
                },
              },
            }),
            el(
              "label",
              { attrs: { for: id } },
              agent.display_name,
              " ",
              el("span", { class: "detail" }, "(" + panel.t("agent_detail", { state: panel.t(agent.available ? "available" : "away"), customers: agent.customers, max: agent.max_customers }) + ")"),
            ),
          );
        }),
      ),
    );
  }

  function pendingView(pending) {
    var text = pending.to === "queue" ? panel.t("pending_queue", { queue: queueTitle(pending.queue) }) : panel.t("pending_agents", { agents: names(pending.agents || []) });
    return [
      el("p", { attrs: { "data-test": "transfer-pending" } }, text),
      el("button", { attrs: { type: "button", "data-test": "transfer-cancel" }, props: { disabled: busy }, on: { click: cancel } }, panel.t("cancel")),
    ];
  }

  function render() {
    submit.textContent = panel.t("submit");
    var statusLine = el("p", { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "transfer-status" } }, status.text);
    if (!options) {
      panel.replace(root, el("p", { class: "note" }, panel.t("loading")));
      return;
    }
    if (!options.allowed) {
      panel.replace(root, el("p", { class: "note", attrs: { "data-test": "transfer-refused" } }, panel.t(options.why === "not_host" ? "only_host" : "only_agents")), statusLine);
      return;
    }
    if (options.pending) {
      panel.replace(root, pendingView(options.pending), statusLine);
      return;
    }
    panel.replace(
      root,
      el("fieldset", null, el("legend", null, panel.t("to")), el("ul", { class: "choices" }, radio("queue"), radio("agents"))),
      mode === "queue" ? queueChoice() : agentChoice(),
      el("label", { attrs: { for: "transfer-message" } }, panel.t("message")),
      message,
      counter,
      el("div", { class: "toolbar" }, submit),
      statusLine,
    );
    updateCounter();
  }

  function setStatus(text, error) {
    status = { text: text, error: !!error };
    render();
  }

  function send() {
    if (!updateCounter()) return; // over the limit: nothing is sent
    var payload = { to: mode, message: message.value };
    if (mode === "queue") {
      if (!chosenQueue) return setStatus(panel.t("choose_queue"), true);
      payload.queue = chosenQueue;
    } else {
      payload.agents = Object.keys(chosenAgents).filter(function (u) {
        return chosenAgents[u];
      });
      if (!payload.agents.length) return setStatus(panel.t("choose_agent"), true);
    }
    busy = true;
    updateCounter();
    panel.command("transfer", payload).then(
      function (reply) {
        busy = false;
        message.value = "";
        chosenAgents = {};
        status = { text: reply.to === "queue" ? panel.t("sent_queue", { title: reply.title }) : panel.t("sent_agents", { agents: names(reply.agents || []) }), error: false };
        load();
      },
      function (error) {
        busy = false;
        setStatus(panel.t("failed", { error: error.message }), true);
      },
    );
  }

  function cancel() {
    busy = true;
    render();
    panel.command("transfer.cancel", {}).then(
      function () {
        busy = false;
        status = { text: panel.t("cancelled"), error: false };
        load();
      },
      function (error) {
        busy = false;
        setStatus(panel.t("failed", { error: error.message }), true);
      },
    );
  }

  panel.onMessage(function (event) {
    if (!event || event.type !== "transfer_result") return;
    if (event.outcome === "queued") {
      status = { text: panel.t(event.reason === "declined" ? "fell_back_declined" : "fell_back_timed_out", { title: event.title }), error: false };
    } else {
      status = { text: panel.t("not_transferred"), error: false };
    }
    load();
  });

  panel.onMenuOpen(function () {
    load();
    var first = root.querySelector("input, select, textarea, button");
    if (first) first.focus();
  });

  panel.onContext(function (context) {
    if (context.session !== session) {
      session = context.session;
      options = null;
      status = { text: "", error: false };
      load();
    }
    render();
  });
})();
