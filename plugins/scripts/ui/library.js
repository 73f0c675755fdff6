// Script library and runs, for the CSR: the site's library with sortable
// columns; add, edit (own scripts, files replaceable) and delete (own,
// confirmed); choose scripts, order them with move up / move down and run
// them on the selected customer's computer, who is asked first.
(function () {
  "use strict";
  var strings = {
    en: {
      name: "Name", category: "Category", author: "Author", description: "Description", published: "Published", updated: "Updated",
      yes: "yes", no: "no", add: "Add script", edit: "Edit", remove: "Delete", choose: "Run", actions: "Actions", save: "Save", cancel: "Cancel",
      confirm_delete: "Delete the script {name}?", script_file: "Execution file (at most 1 MB)", input_file: "Input file (optional, at most 1 MB)",
      keep_file: "Leave empty to keep {file}.", publish: "Publish to the script library (all CSRs of the site see it)",
      to_run: "Scripts to run, in order", up: "Move up", down: "Move down", take_out: "Take out", run: "Run on the customer's computer",
      nothing_chosen: "Choose scripts with Run in the library.", no_customer: "Select a customer to run scripts on their computer.",
      waiting: "Waiting for {customer} to allow the scripts…", done: "The scripts ran; their output is in the chat and the session report.",
      denied: "{customer} did not allow the scripts.", timed_out: "{customer} did not answer in time.", failed: "{error}",
      result_title: "How each script ended", outcome_ok: "{name}: finished (exit status 0, {seconds} s)",
      outcome_failed: "{name}: failed ({status}, {seconds} s)", outcome_timed_out: "{name}: stopped at the time limit ({seconds} s)",
      outcome_error: "{name}: could not run ({error})", outcome_not_run: "{name}: not run", signal: "ended by a signal", exit_status: "exit status {code}",
      empty: "The library is empty. Add the first script.", too_large: "{file} is larger than 1 MB.", added: "Script {name} saved.",
    },
    da: {
      name: "Navn", category: "Kategori", author: "Forfatter", description: "Beskrivelse", published: "Offentliggjort", updated: "Opdateret",
      yes: "ja", no: "nej", add: "Tilføj script", edit: "Rediger", remove: "Slet", choose: "Kør", actions: "Handlinger", save: "Gem", cancel: "Annuller",
      confirm_delete: "Slet scriptet {name}?", script_file: "Kørselsfil (højst 1 MB)", input_file: "Inputfil (valgfri, højst 1 MB)",
      keep_file: "Lad feltet være tomt for at beholde {file}.", publish: "Offentliggør i scriptbiblioteket (alle på webstedet kan se det)",
      to_run: "Scripts, der skal køres, i rækkefølge", up: "Flyt op", down: "Flyt ned", take_out: "Fjern", run: "Kør på kundens computer",
      nothing_chosen: "Vælg scripts med Kør i biblioteket.", no_customer: "Vælg en kunde for at køre scripts på kundens computer.",
      waiting: "Venter på, at {customer} tillader scriptene…", done: "Scriptene er kørt; output står i chatten og i sessionsrapporten.",
      denied: "{customer} tillod ikke scriptene.", timed_out: "{customer} svarede ikke i tide.", failed: "{error}",
      result_title: "Sådan endte hvert script", outcome_ok: "{name}: færdigt (afslutningsstatus 0, {seconds} s)",
      outcome_failed: "{name}: mislykkedes ({status}, {seconds} s)", outcome_timed_out: "{name}: stoppet ved tidsgrænsen ({seconds} s)",
      outcome_error: "{name}: kunne ikke køre ({error})", outcome_not_run: "{name}: ikke kørt", signal: "afbrudt af et signal", exit_status: "afslutningsstatus {code}",
      empty: "Biblioteket er tomt. Tilføj det første script.", too_large: "{file} er større end 1 MB.", added: "Scriptet {name} er gemt.",
    },
    fr: {
      name: "Nom", category: "Catégorie", author: "Auteur", description: "Description", published: "Publié", updated: "Modifié",
      yes: "oui", no: "non", add: "Ajouter un script", edit: "Modifier", remove: "Supprimer", choose: "Exécuter", actions: "Actions", save: "Enregistrer", cancel: "Annuler",
      confirm_delete: "Supprimer le script {name} ?", script_file: "Fichier d'exécution (1 Mo au plus)", input_file: "Fichier d'entrée (facultatif, 1 Mo au plus)",
      keep_file: "Laissez vide pour conserver {file}.", publish: "Publier dans la bibliothèque (visible par tous les représentants du site)",
      to_run: "Scripts à exécuter, dans l'ordre", up: "Monter", down: "Descendre", take_out: "Retirer", run: "Exécuter sur l'ordinateur du client",
      nothing_chosen: "Choisissez des scripts avec Exécuter dans la bibliothèque.", no_customer: "Sélectionnez un client pour exécuter des scripts sur son ordinateur.",
      waiting: "En attente de l'accord de {customer} pour les scripts…", done: "Les scripts ont été exécutés ; leur sortie figure dans la discussion et le rapport de session.",
      denied: "{customer} n'a pas autorisé les scripts.", timed_out: "{customer} n'a pas répondu à temps.", failed: "{error}",
      result_title: "Comment chaque script s'est terminé", outcome_ok: "{name} : terminé (code de sortie 0, {seconds} s)",
      outcome_failed: "{name} : échec ({status}, {seconds} s)", outcome_timed_out: "{name} : arrêté à la limite de temps ({seconds} s)",
      outcome_error: "{name} : n'a pas pu s'exécuter ({error})", outcome_not_run: "{name} : non exécuté", signal: "arrêté par un signal", exit_status: "code de sortie {code}",
      empty: "La bibliothèque est vide. Ajoutez le premier script.", too_large: "{file} dépasse 1 Mo.", added: "Script {name} enregistré.",
    },
    ja: {
      name: "名前", category: "カテゴリ", author: "作成者", description: "説明", published: "公開", updated: "更新日時",
      yes: "はい", no: "いいえ", add: "スクリプトを追加", edit: "編集", remove: "削除", choose: "実行", actions: "操作", save: "保存", cancel: "キャンセル",
      confirm_delete: "スクリプト {name} を削除しますか?", script_file: "実行ファイル (1 MB まで)", input_file: "入力ファイル (任意、1 MB まで)",
      keep_file: "{file} をそのまま使う場合は空のままにします。", publish: "スクリプト ライブラリに公開する (サイトのすべてのサポート担当者に表示)",
      to_run: "実行するスクリプト (順番どおり)", up: "上へ", down: "下へ", take_out: "外す", run: "顧客のコンピューターで実行",
      nothing_chosen: "ライブラリの「実行」でスクリプトを選んでください。", no_customer: "スクリプトを実行するには顧客を選択してください。",
      waiting: "{customer} がスクリプトの実行を許可するのを待っています…", done: "スクリプトを実行しました。出力はチャットとセッション レポートにあります。",
      denied: "{customer} はスクリプトの実行を許可しませんでした。", timed_out: "{customer} は時間内に応答しませんでした。", failed: "{error}",
      result_title: "各スクリプトの結果", outcome_ok: "{name}: 完了 (終了ステータス 0、{seconds} 秒)",
      outcome_failed: "{name}: 失敗 ({status}、{seconds} 秒)", outcome_timed_out: "{name}: 制限時間で停止 ({seconds} 秒)",
      outcome_error: "{name}: 実行できませんでした ({error})", outcome_not_run: "{name}: 未実行", signal: "シグナルで終了", exit_status: "終了ステータス {code}",
      empty: "ライブラリは空です。最初のスクリプトを追加してください。", too_large: "{file} は 1 MB を超えています。", added: "スクリプト {name} を保存しました。",
    },
  };
  var MAX_FILE_BYTES = 1024 * 1024;
  var COLUMNS = ["name", "category", "author", "description", "published", "updated"];
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var state = { scripts: [], categories: [], sort: "name", descending: false, chosen: [], editing: null, status: "", error: false, busy: false, results: [] };

  function say(text, error) {
    state.status = text;
    state.error = !!error;
    render();
  }

  function load() {
    return Promise.all([
      panel.command("library.list", { sort: state.sort, descending: state.descending }),
      panel.command("categories.list", {}),
    ]).then(
      function (answers) {
        state.scripts = answers[0];
        state.categories = answers[1];
        state.chosen = state.chosen.filter(function (id) {
          return state.scripts.some(function (s) { return s.id === id; });
        });
        render();
      },
      function (error) {
        say(panel.t("failed", { error: error.message }), true);
      },
    );
  }

  function byId(id) {
    return state.scripts.filter(function (s) { return s.id === id; })[0];
  }

  /** Reads a chosen file as `{file_name, content}` (base64). */
  function upload(input) {
    var file = input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    if (file.size > MAX_FILE_BYTES) return Promise.reject(new Error(panel.t("too_large", { file: file.name })));
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () {
        var text = String(reader.result);
        resolve({ file_name: file.name, content: text.slice(text.indexOf(",") + 1) });
      };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(file);
    });
  }

  function form(script) {
    var name = el("input", { attrs: { "data-test": "script-name", maxlength: "100" }, props: { value: script ? script.name : "" } });
    var category = el(
      "select",
      { attrs: { "data-test": "script-category" } },
      state.categories.map(function (c) {
        return el("option", { props: { value: c, selected: script && script.category === c } }, c);
      }),
    );
    var description = el("input", { attrs: { "data-test": "script-description", maxlength: "1000" }, props: { value: script ? script.description : "" } });
    var published = el("input", { attrs: { type: "checkbox", "data-test": "script-published" }, props: { checked: script ? script.published : false } });
    var scriptFile = el("input", { attrs: { type: "file", "data-test": "script-file" } });
    var inputFile = el("input", { attrs: { type: "file", "data-test": "script-input" } });
    function submit() {
      Promise.all([upload(scriptFile), upload(inputFile)])
        .then(function (files) {
          var payload = { name: name.value, category: category.value, description: description.value, published: published.checked };
          if (script) {
            payload.id = script.id;
            if (files[0]) payload.script = files[0];
            if (files[1]) payload.input = files[1];
            return panel.command("library.update", payload);
          }
          payload.script = files[0] || { file_name: "", content: "" };
          if (files[1]) payload.input = files[1];
          return panel.command("library.add", payload);
        })
        .then(
          function (saved) {
            state.editing = null;
            say(panel.t("added", { name: saved.name }));
            load();
          },
          function (error) {
            // The form stays filled in so the CSR can correct it.
            say(panel.t("failed", { error: error.message }), true);
          },
        );
    }
    return el(
      "div",
      { class: "card", attrs: { "data-test": "script-form" } },
      el("label", null, panel.t("name")), name,
      el("label", null, panel.t("category")), category,
      el("label", null, panel.t("description")), description,
      el("label", null, published, " ", panel.t("publish")),
      el("label", null, panel.t("script_file")), scriptFile,
      script ? el("p", { class: "status" }, panel.t("keep_file", { file: script.script_file.file_name })) : null,
      el("label", null, panel.t("input_file")), inputFile,
      el(
        "div",
        { class: "toolbar" },
        el("button", { class: "primary", attrs: { type: "button", "data-test": "script-save" }, on: { click: submit } }, panel.t("save")),
        el("button", { attrs: { type: "button" }, on: { click: function () { state.editing = null; render(); } } }, panel.t("cancel")),
      ),
    );
  }

  function remove(script) {
    if (!window.confirm(panel.t("confirm_delete", { name: script.name }))) return;
    panel.command("library.delete", { id: script.id, confirm: true }).then(load, function (error) {
      say(panel.t("failed", { error: error.message }), true);
    });
  }

  function move(index, by) {
    var target = index + by;
    if (target < 0 || target >= state.chosen.length) return;
    var id = state.chosen[index];
    state.chosen[index] = state.chosen[target];
    state.chosen[target] = id;
    render();
  }

  function run() {
    var customer = panel.context.customer;
    state.busy = true;
    state.results = [];
    say(panel.t("waiting", { customer: customer.display_name }));
    panel.customerCommand("run", { scripts: state.chosen.slice() }).then(
      function (answer) {
        state.busy = false;
        state.results = answer.results || [];
        if (answer.status === "done") say(panel.t("done"));
        else say(panel.t(answer.status === "denied" ? "denied" : "timed_out", { customer: answer.customer }), true);
      },
      function (error) {
        state.busy = false;
        say(panel.t("failed", { error: error.message }), true);
      },
    );
  }

  /** In a session's view (runs possible), not on the library's own page. */
  function inSession() {
    return !!(panel.context && panel.context.session);
  }

  /** One line per script of the last run: how it ended, failures plain. */
  function resultList() {
    if (state.results.length === 0) return null;
    return el(
      "div",
      null,
      el("h2", null, panel.t("result_title")),
      el(
        "ul",
        { attrs: { "data-test": "run-results" } },
        state.results.map(function (r) {
          var seconds = ((r.duration_ms || 0) / 1000).toFixed(1);
          var status = r.exit_code === null || r.exit_code === undefined ? panel.t("signal") : panel.t("exit_status", { code: r.exit_code });
          var text = panel.t("outcome_" + r.outcome, { name: r.name, seconds: seconds, status: status, error: r.error || "" });
          var failed = r.outcome !== "ok";
          return el("li", { class: failed ? "status error" : "status", attrs: { "data-test": "run-result", "data-outcome": r.outcome } }, text);
        }),
      ),
    );
  }

  function cell(script, column) {
    if (column === "author") return script.author_name;
    if (column === "published") return panel.t(script.published ? "yes" : "no");
    if (column === "updated") return new Date(script.updated).toLocaleString(panel.context.locale);
    return script[column];
  }

  function table() {
    if (state.scripts.length === 0) return el("p", { class: "status" }, panel.t("empty"));
    var me = panel.context.user && panel.context.user.username;
    return el(
      "table",
      { attrs: { "data-test": "library" } },
      el(
        "thead",
        null,
        el(
          "tr",
          null,
          COLUMNS.map(function (column) {
            var arrow = state.sort === column ? (state.descending ? " ▼" : " ▲") : "";
            return el(
              "th",
              null,
              el(
                "button",
                {
                  class: "link",
                  attrs: { type: "button", "data-test": "sort-" + column },
                  on: {
                    click: function () {
                      state.descending = state.sort === column ? !state.descending : false;
                      state.sort = column;
                      load();
                    },
                  },
                },
                panel.t(column) + arrow,
              ),
            );
          }),
          // Named for screen readers; the buttons below say what they do.
          el("th", null, el("span", { class: "visually-hidden" }, panel.t("actions"))),
        ),
      ),
      el(
        "tbody",
        null,
        state.scripts.map(function (script) {
          var own = script.author === me;
          return el(
            "tr",
            { attrs: { "data-test": "library-row", "data-script": script.id } },
            COLUMNS.map(function (column) { return el("td", null, cell(script, column)); }),
            el(
              "td",
              null,
              el(
                "div",
                { class: "toolbar" },
                // Runs belong to a session; the library page only manages.
                inSession() ? el("button", {
                attrs: { type: "button", "data-test": "choose" },
                props: { disabled: state.chosen.indexOf(script.id) >= 0 },
                on: { click: function () { state.chosen.push(script.id); render(); } },
              }, panel.t("choose")) : null,
              own ? el("button", { attrs: { type: "button", "data-test": "edit" }, on: { click: function () { state.editing = script.id; render(); } } }, panel.t("edit")) : null,
              own ? el("button", { attrs: { type: "button", "data-test": "delete" }, on: { click: function () { remove(script); } } }, panel.t("remove")) : null,
              ),
            ),
          );
        }),
      ),
    );
  }

  function runList() {
    var context = panel.context;
    if (state.chosen.length === 0) return el("p", { class: "status" }, panel.t("nothing_chosen"));
    return el(
      "div",
      { attrs: { "data-test": "run-list" } },
      el(
        "ol",
        null,
        state.chosen.map(function (id, index) {
          var script = byId(id);
          return el(
            "li",
            { attrs: { "data-test": "run-item" } },
            script ? script.name : id,
            " ",
            el("button", { attrs: { type: "button", "data-test": "move-up" }, props: { disabled: index === 0 }, on: { click: function () { move(index, -1); } } }, panel.t("up")),
            el("button", { attrs: { type: "button", "data-test": "move-down" }, props: { disabled: index === state.chosen.length - 1 }, on: { click: function () { move(index, 1); } } }, panel.t("down")),
            el("button", { attrs: { type: "button" }, on: { click: function () { state.chosen.splice(index, 1); render(); } } }, panel.t("take_out")),
          );
        }),
      ),
      context.customer
        ? el("button", { class: "primary", attrs: { type: "button", "data-test": "run" }, props: { disabled: state.busy }, on: { click: run } }, panel.t("run"))
        : el("p", { class: "status" }, panel.t("no_customer")),
    );
  }

  function render() {
    if (!panel.context) return;
    var editing = state.editing === "new" ? form(null) : state.editing ? form(byId(state.editing)) : null;
    panel.replace(
      root,
      el(
        "div",
        { class: "toolbar" },
        el("button", { attrs: { type: "button", "data-test": "add-script" }, on: { click: function () { state.editing = "new"; render(); } } }, panel.t("add")),
      ),
      editing,
      el("p", { class: state.error ? "status error" : "status", attrs: { role: "status", "data-test": "scripts-status" } }, state.status),
      table(),
      inSession() ? el("h2", null, panel.t("to_run")) : null,
      inSession() ? runList() : null,
      inSession() ? resultList() : null,
    );
  }

  var loaded = false;
  panel.onContext(function () {
    if (!loaded) {
      loaded = true;
      load();
    }
    render();
  });
})();
