// The agent's "WebACD" page in the console: their queues and the
// customers waiting in each, with their problem and how long they have
// waited. The plugin tells the page when something changed; it then asks
// again.
(function () {
  "use strict";
  var strings = {
    en: {
      loading: "Loading…", not_agent: "You are not a WebACD agent. A site admin can make you one on the accounts page.", no_queues: "You are not a member of any queue yet.",
      available: "You are available: customers are offered to you.", away: "You are away: no customers are offered to you. Set yourself available in the console.",
      customers: "You serve {customers} of at most {max} customers.", agents: "{online} agents online, {available} available", nobody: "Nobody is waiting.",
      customer: "Customer", problem: "Problem", waited: "Waiting", offered: "Offered to", transferred: "Transferred by {from}", more: "…and {count} more.", failed: "Could not load the queues: {error}",
    },
    da: {
      loading: "Indlæser…", not_agent: "Du er ikke WebACD-agent. En webstedsadministrator kan gøre dig til det på kontosiden.", no_queues: "Du er endnu ikke medlem af nogen kø.",
      available: "Du er ledig: kunder tilbydes til dig.", away: "Du er væk: ingen kunder tilbydes til dig. Sæt dig som ledig i konsollen.",
      customers: "Du betjener {customers} af højst {max} kunder.", agents: "{online} agenter online, {available} ledige", nobody: "Ingen venter.",
      customer: "Kunde", problem: "Problem", waited: "Venter", offered: "Tilbudt til", transferred: "Overført af {from}", more: "…og {count} mere.", failed: "Køerne kunne ikke indlæses: {error}",
    },
    fr: {
      loading: "Chargement…", not_agent: "Vous n'êtes pas agent WebACD. Un administrateur du site peut vous désigner comme tel sur la page des comptes.", no_queues: "Vous n'êtes encore membre d'aucune file.",
      available: "Vous êtes disponible : des clients vous sont proposés.", away: "Vous êtes absent : aucun client ne vous est proposé. Indiquez-vous disponible dans la console.",
      customers: "Vous servez {customers} client(s) sur {max} au plus.", agents: "{online} agent(s) en ligne, {available} disponible(s)", nobody: "Personne n'attend.",
      customer: "Client", problem: "Problème", waited: "Attente", offered: "Proposé à", transferred: "Transféré par {from}", more: "…et {count} de plus.", failed: "Impossible de charger les files : {error}",
    },
    ja: {
      loading: "読み込み中…", not_agent: "あなたは WebACD エージェントではありません。サイト管理者がアカウント ページで設定できます。", no_queues: "まだどのキューのメンバーでもありません。",
      available: "対応可能です。顧客が割り当てられます。", away: "離席中です。顧客は割り当てられません。コンソールで対応可能に設定してください。",
      customers: "対応中の顧客: {customers} 人 (最大 {max} 人)", agents: "オンラインのエージェント {online} 人、対応可能 {available} 人", nobody: "待っている顧客はいません。",
      customer: "顧客", problem: "問題", waited: "待ち時間", offered: "提示先", transferred: "{from} から転送", more: "…ほか {count} 人", failed: "キューを読み込めませんでした: {error}",
    },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var clock = WebAcd.serverClock();
  var view = null;
  var error = "";
  var timers = [];
  var pending = null;

  function load() {
    panel.command("console.view", {}).then(
      function (value) {
        clock.sync(value.now_ms);
        view = value;
        error = "";
        render();
      },
      function (failure) {
        error = failure.message;
        render();
      },
    );
  }

  /** Several changes close together are one look. */
  function soon() {
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      load();
    }, 250);
  }

  function tick() {
    timers.forEach(function (timer) {
      timer.cell.textContent = WebAcd.formatDuration(clock.now() - timer.since);
    });
  }

  function waitingTable(queue) {
    if (!queue.waiting.length) return el("p", { class: "note", attrs: { "data-test": "agent-nobody" } }, panel.t("nobody"));
    return el(
      "table",
      { attrs: { "data-test": "agent-waiting" } },
      el("thead", null, el("tr", null, el("th", { attrs: { scope: "col" } }, panel.t("customer")), el("th", { attrs: { scope: "col" } }, panel.t("problem")), el("th", { attrs: { scope: "col" } }, panel.t("waited")), el("th", { attrs: { scope: "col" } }, panel.t("offered")))),
      el(
        "tbody",
        null,
        queue.waiting.map(function (customer) {
          var cell = el("td", { class: "waited", attrs: { "data-test": "agent-waited" } });
          timers.push({ cell: cell, since: customer.entered_ms });
          var problem = [customer.problem];
          if (customer.transferred_by) {
            problem.push(el("div", { class: "note" }, panel.t("transferred", { from: customer.transferred_by })));
            if (customer.message) problem.push(el("div", { class: "message-text" }, customer.message));
          }
          return el(
            "tr",
            { attrs: { "data-test": "agent-customer", "data-session": customer.session } },
            el("td", null, customer.customer_name),
            el("td", null, problem),
            cell,
            el("td", null, (customer.offered_to || []).join(", ")),
          );
        }),
      ),
    );
  }

  function render() {
    timers = [];
    if (error) {
      panel.replace(root, el("p", { class: "status error", attrs: { role: "status" } }, panel.t("failed", { error: error })));
      return;
    }
    if (!view) {
      panel.replace(root, el("p", { class: "note" }, panel.t("loading")));
      return;
    }
    if (!view.agent) {
      panel.replace(root, el("p", { class: "note", attrs: { "data-test": "agent-not-agent" } }, panel.t("not_agent")));
      return;
    }
    var me = view.me || {};
    panel.replace(
      root,
      el("p", { attrs: { "data-test": "agent-availability", "data-available": me.available ? "true" : "false" } }, panel.t(me.available ? "available" : "away")),
      el("p", { class: "note" }, panel.t("customers", { customers: me.customers || 0, max: me.max_customers || 0 })),
      view.queues.length === 0
        ? el("p", { class: "note", attrs: { "data-test": "agent-no-queues" } }, panel.t("no_queues"))
        : view.queues.map(function (queue) {
            return el(
              "section",
              { class: "queue-card", attrs: { "data-test": "agent-queue", "data-queue": queue.name, "aria-labelledby": "queue-" + queue.name } },
              el("h2", { attrs: { id: "queue-" + queue.name } }, queue.title),
              el("p", { class: "note" }, panel.t("agents", { online: queue.agents_online, available: queue.agents_available })),
              waitingTable(queue),
              queue.more ? el("p", { class: "note" }, panel.t("more", { count: queue.more })) : null,
            );
          }),
    );
    tick();
  }

  panel.onMessage(function (message) {
    if (message && message.type === "changed") soon();
  });
  panel.onContext(function () {
    load();
    render();
  });
  setInterval(tick, 1000);
  // A change missed while the page was away is caught up with.
  setInterval(load, 30000);
})();
