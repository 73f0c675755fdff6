// WebACD queues, for the site admin: each queue's name (part of its public
// link), shown name, members (WebACD agents) and accept timeout; create,
// change, delete.
(function () {
  "use strict";
  var strings = {
    en: {
      intro: "Customers enter a queue from its public link and are offered to its members, the agent idle longest first. Members are WebACD agents (set on the accounts page).",
      none: "No queues yet.", name: "Name (in the link: a–z, 0–9 and -)", title: "Shown name", members: "Members", timeout: "Seconds to accept (5–300)",
      link: "Public link", waiting: "Waiting", add: "New queue", edit: "Change", remove: "Delete", save: "Save", cancel: "Cancel",
      confirm_delete: "Delete the queue {title}?", saved: "Queue {title} saved.", deleted: "Queue {title} deleted.", failed: "Not saved: {error}",
      no_agents: "No account is a WebACD agent yet: make agents on the accounts page.", timeout_secs: "{secs} s", name_invalid: "The name is 1 to 32 of a–z, 0–9 and -.",
      title_missing: "Type a shown name.", timeout_invalid: "The time to accept is 5 to 300 seconds.", actions: "Actions",
    },
    da: {
      intro: "Kunder stiller sig i en kø via dens offentlige link og tilbydes til køens medlemmer, den agent, der har været ledig længst, først. Medlemmer er WebACD-agenter (angives på kontosiden).",
      none: "Ingen køer endnu.", name: "Navn (i linket: a–z, 0–9 og -)", title: "Vist navn", members: "Medlemmer", timeout: "Sekunder til at acceptere (5–300)",
      link: "Offentligt link", waiting: "Venter", add: "Ny kø", edit: "Rediger", remove: "Slet", save: "Gem", cancel: "Annuller",
      confirm_delete: "Slet køen {title}?", saved: "Køen {title} er gemt.", deleted: "Køen {title} er slettet.", failed: "Ikke gemt: {error}",
      no_agents: "Ingen konto er WebACD-agent endnu: udpeg agenter på kontosiden.", timeout_secs: "{secs} s", name_invalid: "Navnet er 1 til 32 af a–z, 0–9 og -.",
      title_missing: "Skriv et vist navn.", timeout_invalid: "Tiden til at acceptere er 5 til 300 sekunder.", actions: "Handlinger",
    },
    fr: {
      intro: "Les clients entrent dans une file par son lien public et sont proposés à ses membres, l'agent inoccupé depuis le plus longtemps d'abord. Les membres sont des agents WebACD (définis sur la page des comptes).",
      none: "Aucune file pour l'instant.", name: "Nom (dans le lien : a–z, 0–9 et -)", title: "Nom affiché", members: "Membres", timeout: "Secondes pour accepter (5–300)",
      link: "Lien public", waiting: "En attente", add: "Nouvelle file", edit: "Modifier", remove: "Supprimer", save: "Enregistrer", cancel: "Annuler",
      confirm_delete: "Supprimer la file {title} ?", saved: "File {title} enregistrée.", deleted: "File {title} supprimée.", failed: "Non enregistré : {error}",
      no_agents: "Aucun compte n'est encore agent WebACD : désignez des agents sur la page des comptes.", timeout_secs: "{secs} s", name_invalid: "Le nom compte 1 à 32 caractères parmi a–z, 0–9 et -.",
      title_missing: "Saisissez un nom affiché.", timeout_invalid: "Le délai pour accepter est de 5 à 300 secondes.", actions: "Actions",
    },
    ja: {
      intro: "顧客は公開リンクからキューに並び、最も長く手が空いているメンバーから順に割り当てられます。メンバーは WebACD エージェントです (アカウント ページで設定)。",
      none: "キューはまだありません。", name: "名前 (リンクに使用: a–z、0–9、-)", title: "表示名", members: "メンバー", timeout: "受け入れまでの秒数 (5–300)",
      link: "公開リンク", waiting: "待機中", add: "新しいキュー", edit: "変更", remove: "削除", save: "保存", cancel: "キャンセル",
      confirm_delete: "キュー {title} を削除しますか?", saved: "キュー {title} を保存しました。", deleted: "キュー {title} を削除しました。", failed: "保存できませんでした: {error}",
      no_agents: "WebACD エージェントのアカウントはまだありません。アカウント ページで設定してください。", timeout_secs: "{secs} 秒", name_invalid: "名前は a–z、0–9、- の 1～32 文字です。",
      title_missing: "表示名を入力してください。", timeout_invalid: "受け入れまでの時間は 5～300 秒です。", actions: "操作",
    },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var data = null;
  var editing = null; // {name, title, members: {username: true}, timeout, isNew}
  var status = { text: "", error: false };

  /** The queue's public page: the panel's own address names the server. */
  function publicLink(queue) {
    var site = panel.context && panel.context.site;
    var origin = window.location.protocol + "//" + window.location.host;
    return origin + "/q/" + encodeURIComponent(site || "…") + "/" + queue.name;
  }

  function agentName(username) {
    var found = (data.agents || []).filter(function (a) {
      return a.username === username;
    })[0];
    return found ? found.display_name : username;
  }

  function load() {
    panel.command("queues.list", {}).then(
      function (value) {
        data = value;
        render();
      },
      function (error) {
        status = { text: panel.t("failed", { error: error.message }), error: true };
        render();
      },
    );
  }

  function startEditing(queue) {
    var members = {};
    (queue ? queue.members : []).forEach(function (u) {
      members[u] = true;
    });
    editing = queue
      ? { name: queue.name, title: queue.title, members: members, timeout: queue.accept_timeout_secs, isNew: false }
      : { name: "", title: "", members: members, timeout: 30, isNew: true };
    status = { text: "", error: false };
    render();
    var first = root.querySelector("#queue-" + (editing.isNew ? "name" : "title"));
    if (first) first.focus();
  }

  function queueTable() {
    if (!data.queues.length) return el("p", { class: "note", attrs: { "data-test": "queues-none" } }, panel.t("none"));
    return el(
      "table",
      { attrs: { "data-test": "queues" } },
      el(
        "thead",
        null,
        el("tr", null, ["title", "name", "members", "timeout", "waiting", "link", "actions"].map(function (key) {
          return el("th", { attrs: { scope: "col" } }, panel.t(key === "timeout" ? "timeout" : key));
        })),
      ),
      el(
        "tbody",
        null,
        data.queues.map(function (queue) {
          return el(
            "tr",
            { attrs: { "data-test": "queue-row", "data-queue": queue.name } },
            el("td", null, queue.title),
            el("td", { class: "link" }, queue.name),
            el("td", null, queue.members.map(agentName).join(", ")),
            el("td", null, panel.t("timeout_secs", { secs: queue.accept_timeout_secs })),
            el("td", null, String(queue.waiting)),
            el("td", { class: "link", attrs: { "data-test": "queue-link" } }, publicLink(queue)),
            el(
              "td",
              null,
              el("button", { attrs: { type: "button", "data-test": "queue-edit", "aria-label": panel.t("edit") + " " + queue.title }, on: { click: function () { startEditing(queue); } } }, panel.t("edit")),
              " ",
              el("button", { attrs: { type: "button", "data-test": "queue-delete", "aria-label": panel.t("remove") + " " + queue.title }, on: { click: function () { remove(queue); } } }, panel.t("remove")),
            ),
          );
        }),
      ),
    );
  }

  function editor() {
    var agents = data.agents || [];
    return el(
      "fieldset",
      { attrs: { "data-test": "queue-editor" } },
      el("legend", null, editing.isNew ? panel.t("add") : editing.title),
      el("label", { attrs: { for: "queue-name" } }, panel.t("name")),
      el("input", {
        attrs: { type: "text", id: "queue-name", maxlength: "32", "data-test": "queue-name", pattern: "[a-z0-9-]{1,32}" },
        props: { value: editing.name, disabled: !editing.isNew },
        on: { input: function (event) { editing.name = event.target.value; } },
      }),
      el("label", { attrs: { for: "queue-title" } }, panel.t("title")),
      el("input", {
        attrs: { type: "text", id: "queue-title", maxlength: "80", "data-test": "queue-title" },
        props: { value: editing.title },
        on: { input: function (event) { editing.title = event.target.value; } },
      }),
      el("label", { attrs: { for: "queue-timeout" } }, panel.t("timeout")),
      el("input", {
        attrs: { type: "number", id: "queue-timeout", min: "5", max: "300", "data-test": "queue-timeout" },
        props: { value: String(editing.timeout) },
        on: { input: function (event) { editing.timeout = Number(event.target.value); } },
      }),
      el(
        "fieldset",
        null,
        el("legend", null, panel.t("members")),
        agents.length === 0
          ? el("p", { class: "note" }, panel.t("no_agents"))
          : el(
              "ul",
              { class: "choices" },
              agents.map(function (agent) {
                var id = "member-" + agent.username;
                return el(
                  "li",
                  { class: "choice" },
                  el("input", {
                    attrs: { type: "checkbox", id: id, value: agent.username, "data-test": "queue-member" },
                    props: { checked: !!editing.members[agent.username] },
                    on: { change: function (event) { editing.members[agent.username] = event.target.checked; } },
                  }),
                  el("label", { attrs: { for: id } }, agent.display_name, " ", el("span", { class: "detail" }, "(" + agent.username + ")")),
                );
              }),
            ),
      ),
      el(
        "div",
        { class: "toolbar" },
        el("button", { class: "primary", attrs: { type: "button", "data-test": "queue-save" }, on: { click: save } }, panel.t("save")),
        el("button", { attrs: { type: "button", "data-test": "queue-cancel" }, on: { click: function () { editing = null; status = { text: "", error: false }; render(); } } }, panel.t("cancel")),
      ),
    );
  }

  function render() {
    var statusLine = el("p", { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "queues-status" } }, status.text);
    if (!data) {
      panel.replace(root, statusLine);
      return;
    }
    panel.replace(
      root,
      el("p", null, panel.t("intro")),
      queueTable(),
      editing ? editor() : el("div", { class: "toolbar" }, el("button", { attrs: { type: "button", "data-test": "queue-add" }, on: { click: function () { startEditing(null); } } }, panel.t("add"))),
      statusLine,
    );
  }

  function fail(text) {
    status = { text: text, error: true };
    render();
  }

  function save() {
    var name = editing.name.trim();
    var title = editing.title.trim();
    if (!/^[a-z0-9-]{1,32}$/.test(name)) return fail(panel.t("name_invalid"));
    if (!title) return fail(panel.t("title_missing"));
    if (!(editing.timeout >= 5 && editing.timeout <= 300 && Math.floor(editing.timeout) === editing.timeout)) return fail(panel.t("timeout_invalid"));
    var members = Object.keys(editing.members).filter(function (u) {
      return editing.members[u];
    });
    var payload = { name: name, title: title, members: members, accept_timeout_secs: editing.timeout };
    panel.command(editing.isNew ? "queues.create" : "queues.update", payload).then(
      function (saved) {
        editing = null;
        status = { text: panel.t("saved", { title: saved.title }), error: false };
        load();
      },
      function (error) {
        fail(panel.t("failed", { error: error.message }));
      },
    );
  }

  function remove(queue) {
    if (!window.confirm(panel.t("confirm_delete", { title: queue.title }))) return;
    panel.command("queues.delete", { name: queue.name, confirm: true }).then(
      function () {
        status = { text: panel.t("deleted", { title: queue.title }), error: false };
        load();
      },
      function (error) {
        fail(panel.t("failed", { error: error.message }));
      },
    );
  }

  panel.onContext(function () {
    if (!data) load();
    render();
  });
})();
