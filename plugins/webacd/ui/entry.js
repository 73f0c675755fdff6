// The entry page of a queue (/q/<site>/<queue>), for customers: a name
// and a short problem, then Enter the queue. The page around the panel
// takes the customer to their session once the plugin has opened it.
(function () {
  "use strict";
  var strings = {
    en: {
      loading: "Loading…", missing: "There is no queue here. Check the address you were given.", intro: "Type your name and, if you like, a few words about your problem. A support agent will take you as soon as one is free.",
      waiting: "{count} customers are waiting.", waiting_one: "1 customer is waiting.", waiting_none: "Nobody is waiting.", no_agents: "No support agent is online right now; you can still wait in the queue.",
      name: "Your name", problem: "Your problem (optional)", counter: "{count} of {max} characters", too_long: "{count} of {max} characters: too long, remove {over}.",
      enter: "Enter the queue", entering: "Entering the queue…", retry: "Try again", unavailable: "The queue cannot be reached just now.", name_missing: "Type your name.", name_too_long: "Your name may have at most {max} characters.", failed: "You could not enter the queue: {error}",
    },
    da: {
      loading: "Indlæser…", missing: "Der er ingen kø her. Kontrollér den adresse, du har fået.", intro: "Skriv dit navn og gerne et par ord om dit problem. En supportagent tager sig af dig, så snart en er ledig.",
      waiting: "{count} kunder venter.", waiting_one: "1 kunde venter.", waiting_none: "Ingen venter.", no_agents: "Ingen supportagent er online lige nu; du kan stadig vente i køen.",
      name: "Dit navn", problem: "Dit problem (valgfrit)", counter: "{count} af {max} tegn", too_long: "{count} af {max} tegn: for langt, fjern {over}.",
      enter: "Stil dig i kø", entering: "Stiller dig i kø…", retry: "Prøv igen", unavailable: "Køen kan ikke nås lige nu.", name_missing: "Skriv dit navn.", name_too_long: "Dit navn må højst have {max} tegn.", failed: "Du kunne ikke stille dig i kø: {error}",
    },
    fr: {
      loading: "Chargement…", missing: "Il n'y a pas de file d'attente ici. Vérifiez l'adresse que l'on vous a donnée.", intro: "Saisissez votre nom et, si vous le souhaitez, quelques mots sur votre problème. Un agent du support vous prendra en charge dès qu'il sera libre.",
      waiting: "{count} clients en attente.", waiting_one: "1 client en attente.", waiting_none: "Personne n'attend.", no_agents: "Aucun agent du support n'est en ligne pour l'instant ; vous pouvez tout de même attendre dans la file.",
      name: "Votre nom", problem: "Votre problème (facultatif)", counter: "{count} caractères sur {max}", too_long: "{count} caractères sur {max} : trop long, retirez-en {over}.",
      enter: "Entrer dans la file", entering: "Entrée dans la file…", retry: "Réessayer", unavailable: "La file d'attente est injoignable pour le moment.", name_missing: "Saisissez votre nom.", name_too_long: "Votre nom peut compter {max} caractères au plus.", failed: "Impossible d'entrer dans la file : {error}",
    },
    ja: {
      loading: "読み込み中…", missing: "ここにはキューがありません。案内されたアドレスを確認してください。", intro: "お名前と、よろしければ問題の内容を簡単に入力してください。サポート担当者の手が空きしだい対応します。",
      waiting: "{count} 人が待っています。", waiting_one: "1 人が待っています。", waiting_none: "待っている人はいません。", no_agents: "現在オンラインのサポート担当者はいませんが、キューで待つことはできます。",
      name: "お名前", problem: "問題の内容 (任意)", counter: "{count}/{max} 文字", too_long: "{count}/{max} 文字: 長すぎます。{over} 文字減らしてください。",
      enter: "キューに並ぶ", entering: "キューに並んでいます…", retry: "再試行", unavailable: "現在キューに接続できません。", name_missing: "お名前を入力してください。", name_too_long: "お名前は {max} 文字までです。", failed: "キューに並べませんでした: {error}",
    },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var info = null;
  var status = { text: "", error: false };
  var busy = false;

  var nameInput = el("input", { attrs: { type: "text", id: "entry-name", autocomplete: "name", "data-test": "entry-name", "aria-required": "true" } });
  var problemInput = el("textarea", { attrs: { id: "entry-problem", rows: "3", "data-test": "entry-problem", "aria-describedby": "entry-counter" } });
  var counter = el("p", { class: "counter", attrs: { id: "entry-counter", "aria-live": "polite", "data-test": "entry-counter" } });
  var enterButton = el("button", { class: "primary", attrs: { type: "button", "data-test": "entry-enter" }, on: { click: enter } });
  problemInput.addEventListener("input", updateCounter);
  nameInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") enter();
  });

  function limit(key, fallback) {
    return (info && info[key]) || fallback;
  }

  function updateCounter() {
    var max = limit("max_problem", WebAcd.MAX_PROBLEM);
    var count = WebAcd.countCharacters(problemInput.value.trim());
    var over = count > max;
    counter.textContent = over ? panel.t("too_long", { count: count, max: max, over: count - max }) : panel.t("counter", { count: count, max: max });
    counter.className = over ? "counter over" : "counter";
    problemInput.setAttribute("aria-invalid", over ? "true" : "false");
    enterButton.disabled = busy || over;
    return !over;
  }

  function render() {
    enterButton.textContent = panel.t(busy ? "entering" : "enter");
    var statusLine = el("p", { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "entry-status" } }, status.text);
    if (!info) {
      var retry = status.error ? el("button", { attrs: { type: "button", "data-test": "entry-retry" }, on: { click: load } }, panel.t("retry")) : null;
      panel.replace(root, el("p", { class: "note" }, panel.t(status.error ? "unavailable" : "loading")), statusLine, retry);
      return;
    }
    if (!info.exists) {
      panel.replace(root, el("p", { class: "note", attrs: { "data-test": "entry-missing" } }, panel.t("missing")), statusLine);
      return;
    }
    panel.replace(
      root,
      el(
        "div",
        { class: "entry" },
        el("h2", { attrs: { "data-test": "entry-title" } }, info.title),
        el("p", null, panel.t("intro")),
        el("p", { class: "note", attrs: { "data-test": "entry-waiting" } }, info.waiting ? panel.t(info.waiting === 1 ? "waiting_one" : "waiting", { count: info.waiting }) : panel.t("waiting_none")),
        info.agents_online ? null : el("p", { class: "note" }, panel.t("no_agents")),
        el("label", { attrs: { for: "entry-name" } }, panel.t("name")),
        nameInput,
        el("label", { attrs: { for: "entry-problem" } }, panel.t("problem")),
        problemInput,
        counter,
        el("div", { class: "toolbar" }, enterButton),
        statusLine,
      ),
    );
    updateCounter();
  }

  function enter() {
    if (busy || !info || !info.exists) return;
    var name = nameInput.value.trim();
    var maxName = limit("max_name", WebAcd.MAX_NAME);
    if (!name) {
      status = { text: panel.t("name_missing"), error: true };
      render();
      nameInput.focus();
      return;
    }
    if (WebAcd.countCharacters(name) > maxName) {
      status = { text: panel.t("name_too_long", { max: maxName }), error: true };
      render();
      nameInput.focus();
      return;
    }
    if (!updateCounter()) {
      problemInput.focus();
      return;
    }
    busy = true;
    status = { text: "", error: false };
    render();
    panel.command("enter", { name: name, problem: problemInput.value.trim() }).then(
      function () {
        // The page takes the customer to their session now.
        status = { text: panel.t("entering"), error: false };
        render();
      },
      function (error) {
        busy = false;
        status = { text: panel.t("failed", { error: error.message }), error: true };
        render();
      },
    );
  }

  /** Asks what the queue is; a refusal (too many attempts) can be retried. */
  function load() {
    status = { text: "", error: false };
    panel.command("queue", {}).then(
      function (value) {
        info = value;
        render();
        if (info.exists) nameInput.focus();
      },
      function (error) {
        status = { text: error.message, error: true };
        render();
      },
    );
  }

  panel.onContext(function (context) {
    if (!context.locale && context.language) context.locale = context.language;
    if (!info) load();
    render();
  });
})();
