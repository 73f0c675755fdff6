// System information panel: a category list on the left, the chosen
// category on the right; Refresh, Save as .txt and Print (all categories).
// Everything shown comes from the customer's computer, so it goes into the
// page as text only (TetherPanel.el never parses markup).
(function () {
  "use strict";
  var strings = {
    en: {
      choose: "Select a customer to see their system information.",
      view: "View system information",
      refresh: "Refresh",
      save: "Save as .txt",
      print: "Print",
      waiting: "Waiting for {customer} to allow viewing system information…",
      denied: "{customer} did not allow viewing system information.",
      timed_out: "{customer} did not answer in time.",
      collected: "System information of {customer}",
      empty: "This category has no entries.",
      failed: "Could not get system information: {error}",
      "category.system": "System",
      "category.cpu": "Processor",
      "category.memory": "Memory",
      "category.disks": "Disks",
      "category.network": "Network interfaces",
      "category.processes": "Running processes",
      "category.users": "Users",
      "category.environment": "Environment",
      "category.software": "Installed software",
      "column.property": "Property",
      "column.value": "Value",
      "column.device": "Device",
      "column.mounted_on": "Mounted on",
      "column.file_system": "File system",
      "column.size": "Size",
      "column.free": "Free",
      "column.interface": "Interface",
      "column.mac_address": "MAC address",
      "column.addresses": "Addresses",
      "column.pid": "PID",
      "column.name": "Name",
      "column.user": "User",
      "column.memory": "Memory",
      "column.id": "ID",
      "column.groups": "Groups",
      "column.variable": "Variable",
      "column.package": "Package",
      "column.version": "Version",
      "label.computer_name": "Computer name",
      "label.operating_system": "Operating system",
      "label.kernel": "Kernel",
      "label.architecture": "Architecture",
      "label.account_in_use": "Account in use",
      "label.up_for": "Up for",
      "label.logical_processors": "Logical processors",
      "label.physical_cores": "Physical cores",
      "label.model": "Model",
      "label.frequency": "Frequency",
      "label.total": "Total",
      "label.used": "Used",
      "label.swap_total": "Swap total",
      "label.swap_used": "Swap used",
      "label.variables_in_total": "Variables in total",
      "label.no_package_list": "(no package list available on this computer)",
      "quantity.mib": "{amount} MiB",
      "quantity.mhz": "{amount} MHz",
      "quantity.seconds": "{hours} h {minutes} min",
      "quantity.unknown": "unknown",
    },
    da: {
      choose: "Vælg en kunde for at se kundens systemoplysninger.",
      view: "Vis systemoplysninger",
      refresh: "Opdater",
      save: "Gem som .txt",
      print: "Udskriv",
      waiting: "Venter på, at {customer} tillader visning af systemoplysninger…",
      denied: "{customer} tillod ikke visning af systemoplysninger.",
      timed_out: "{customer} svarede ikke i tide.",
      collected: "Systemoplysninger for {customer}",
      empty: "Denne kategori har ingen poster.",
      failed: "Kunne ikke hente systemoplysninger: {error}",
      "category.system": "System",
      "category.cpu": "Processor",
      "category.memory": "Hukommelse",
      "category.disks": "Diske",
      "category.network": "Netværkskort",
      "category.processes": "Kørende processer",
      "category.users": "Brugere",
      "category.environment": "Miljø",
      "category.software": "Installeret software",
      "column.property": "Egenskab",
      "column.value": "Værdi",
      "column.device": "Enhed",
      "column.mounted_on": "Monteret på",
      "column.file_system": "Filsystem",
      "column.size": "Størrelse",
      "column.free": "Ledig",
      "column.interface": "Netværkskort",
      "column.mac_address": "MAC-adresse",
      "column.addresses": "Adresser",
      "column.pid": "PID",
      "column.name": "Navn",
      "column.user": "Bruger",
      "column.memory": "Hukommelse",
      "column.id": "ID",
      "column.groups": "Grupper",
      "column.variable": "Variabel",
      "column.package": "Pakke",
      "column.version": "Version",
      "label.computer_name": "Computernavn",
      "label.operating_system": "Operativsystem",
      "label.kernel": "Kerne",
      "label.architecture": "Arkitektur",
      "label.account_in_use": "Konto i brug",
      "label.up_for": "Kørt i",
      "label.logical_processors": "Logiske processorer",
      "label.physical_cores": "Fysiske kerner",
      "label.model": "Model",
      "label.frequency": "Frekvens",
      "label.total": "I alt",
      "label.used": "Brugt",
      "label.swap_total": "Swap i alt",
      "label.swap_used": "Swap brugt",
      "label.variables_in_total": "Variabler i alt",
      "label.no_package_list": "(ingen pakkeliste tilgængelig på denne computer)",
      "quantity.mib": "{amount} MiB",
      "quantity.mhz": "{amount} MHz",
      "quantity.seconds": "{hours} t. {minutes} min.",
      "quantity.unknown": "ukendt",
    },
    fr: {
      choose: "Sélectionnez un client pour voir les informations système de son ordinateur.",
      view: "Afficher les informations système",
      refresh: "Actualiser",
      save: "Enregistrer en .txt",
      print: "Imprimer",
      waiting: "En attente de l'accord de {customer} pour afficher les informations système…",
      denied: "{customer} n'a pas autorisé l'affichage des informations système.",
      timed_out: "{customer} n'a pas répondu à temps.",
      collected: "Informations système de {customer}",
      empty: "Cette catégorie ne contient aucune entrée.",
      failed: "Impossible d'obtenir les informations système : {error}",
      "category.system": "Système",
      "category.cpu": "Processeur",
      "category.memory": "Mémoire",
      "category.disks": "Disques",
      "category.network": "Interfaces réseau",
      "category.processes": "Processus en cours",
      "category.users": "Utilisateurs",
      "category.environment": "Environnement",
      "category.software": "Logiciels installés",
      "column.property": "Propriété",
      "column.value": "Valeur",
      "column.device": "Périphérique",
      "column.mounted_on": "Monté sur",
      "column.file_system": "Système de fichiers",
      "column.size": "Taille",
      "column.free": "Libre",
      "column.interface": "Interface",
      "column.mac_address": "Adresse MAC",
      "column.addresses": "Adresses",
      "column.pid": "PID",
      "column.name": "Nom",
      "column.user": "Utilisateur",
      "column.memory": "Mémoire",
      "column.id": "ID",
      "column.groups": "Groupes",
      "column.variable": "Variable",
      "column.package": "Paquet",
      "column.version": "Version",
      "label.computer_name": "Nom de l’ordinateur",
      "label.operating_system": "Système d’exploitation",
      "label.kernel": "Noyau",
      "label.architecture": "Architecture",
      "label.account_in_use": "Compte utilisé",
      "label.up_for": "En marche depuis",
      "label.logical_processors": "Processeurs logiques",
      "label.physical_cores": "Cœurs physiques",
      "label.model": "Modèle",
      "label.frequency": "Fréquence",
      "label.total": "Total",
      "label.used": "Utilisée",
      "label.swap_total": "Swap total",
      "label.swap_used": "Swap utilisé",
      "label.variables_in_total": "Nombre total de variables",
      "label.no_package_list": "(aucune liste de paquets disponible sur cet ordinateur)",
      "quantity.mib": "{amount} Mio",
      "quantity.mhz": "{amount} MHz",
      "quantity.seconds": "{hours} h {minutes} min",
      "quantity.unknown": "inconnu",
    },
    ja: {
      choose: "システム情報を表示するには顧客を選択してください。",
      view: "システム情報を表示",
      refresh: "更新",
      save: ".txt として保存",
      print: "印刷",
      waiting: "{customer} がシステム情報の表示を許可するのを待っています…",
      denied: "{customer} はシステム情報の表示を許可しませんでした。",
      timed_out: "{customer} は時間内に応答しませんでした。",
      collected: "{customer} のシステム情報",
      empty: "このカテゴリには項目がありません。",
      failed: "システム情報を取得できませんでした: {error}",
      "category.system": "システム",
      "category.cpu": "プロセッサ",
      "category.memory": "メモリ",
      "category.disks": "ディスク",
      "category.network": "ネットワークインターフェイス",
      "category.processes": "実行中のプロセス",
      "category.users": "ユーザー",
      "category.environment": "環境",
      "category.software": "インストール済みソフトウェア",
      "column.property": "項目",
      "column.value": "値",
      "column.device": "デバイス",
      "column.mounted_on": "マウント先",
      "column.file_system": "ファイルシステム",
      "column.size": "サイズ",
      "column.free": "空き",
      "column.interface": "インターフェイス",
      "column.mac_address": "MAC アドレス",
      "column.addresses": "アドレス",
      "column.pid": "PID",
      "column.name": "名前",
      "column.user": "ユーザー",
      "column.memory": "メモリ",
      "column.id": "ID",
      "column.groups": "グループ",
      "column.variable": "変数",
      "column.package": "パッケージ",
      "column.version": "バージョン",
      "label.computer_name": "コンピューター名",
      "label.operating_system": "オペレーティングシステム",
      "label.kernel": "カーネル",
      "label.architecture": "アーキテクチャ",
      "label.account_in_use": "使用中のアカウント",
      "label.up_for": "稼働時間",
      "label.logical_processors": "論理プロセッサ数",
      "label.physical_cores": "物理コア数",
      "label.model": "モデル",
      "label.frequency": "周波数",
      "label.total": "合計",
      "label.used": "使用中",
      "label.swap_total": "スワップ合計",
      "label.swap_used": "スワップ使用中",
      "label.variables_in_total": "変数の総数",
      "label.no_package_list": "（このコンピューターではパッケージ一覧を取得できません）",
      "quantity.mib": "{amount} MiB",
      "quantity.mhz": "{amount} MHz",
      "quantity.seconds": "{hours} 時間 {minutes} 分",
      "quantity.unknown": "不明",
    },
  };

  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var state = { categories: null, selected: 0, status: "", error: false, busy: false, customer: null };

  function setStatus(text, isError) {
    state.status = text;
    state.error = !!isError;
  }

  function collect(command) {
    var customer = panel.context.customer;
    state.busy = true;
    setStatus(panel.t("waiting", { customer: customer.display_name }));
    render();
    panel.customerCommand(command, {}).then(
      function (answer) {
        state.busy = false;
        if (answer.status === "ok") {
          state.categories = answer.categories;
          state.selected = Math.min(state.selected, Math.max(0, answer.categories.length - 1));
          setStatus(panel.t("collected", { customer: answer.customer }));
        } else {
          setStatus(panel.t(answer.status === "denied" ? "denied" : "timed_out", { customer: answer.customer }), true);
        }
        render();
      },
      function (error) {
        state.busy = false;
        setStatus(panel.t("failed", { error: error.message }), true);
        render();
      },
    );
  }

  /**
   * This panel's words in the console's language for the plugin's text
   * file: titles, headers, property names, the heading (`{customer}` left
   * for the plugin) and the empty-category line.
   */
  function fileWords() {
    var words = {};
    Object.keys(strings.en).forEach(function (key) {
      if (/^(category|column|label|quantity)\./.test(key) || key === "collected" || key === "empty") {
        words[key] = panel.t(key);
      }
    });
    return words;
  }

  /** Save and Print both use the plugin's text of all categories, in the console's language. */
  function allCategoriesText(then) {
    panel.customerCommand("save", { words: fileWords() }).then(then, function (error) {
      setStatus(panel.t("failed", { error: error.message }), true);
      render();
    });
  }

  function save() {
    allCategoriesText(function (file) {
      panel.saveText(file.file_name, file.text);
    });
  }

  function print() {
    allCategoriesText(function (file) {
      var sheet = document.getElementById("print-sheet");
      panel.replace(sheet, file.text);
      window.print();
    });
  }

  /** `prefix.id` in the console's language; `english` (the agent's own word) where unknown. */
  function word(prefix, id, english) {
    if (!id) return english;
    var key = prefix + "." + id;
    var text = panel.t(key);
    return text === key ? english : text;
  }

  /** The category's title in the console's language; the agent's own title otherwise. */
  function categoryTitle(category) {
    return word("category", category.id, category.title);
  }

  /** A column header: by its id from the agent, its English text from older agents. */
  function columnTitle(category, index) {
    var ids = category.column_ids || [];
    return word("column", ids[index], category.columns[index]);
  }

  /**
   * A row's cells: the first translated where the agent marked it as its
   * own word (a property's name); what the computer reported stays as is.
   */
  function rowCells(category, index) {
    var row = category.rows[index];
    var label = (category.row_labels || [])[index];
    var quantities = (category.quantities || [])[index] || [];
    return row.map(function (cell, i) {
      if (quantities[i]) return quantityText(quantities[i], cell);
      return i === 0 && label ? word("label", label, cell) : cell;
    });
  }

  /**
   * A number the agent wrote with its unit ("2048 MiB", "3 h 12 min",
   * "unknown"), in the console's language; its English for a unit this
   * panel does not know.
   */
  function quantityText(quantity, english) {
    var amount = quantity.amount;
    var params = { amount: amount };
    if (quantity.unit === "seconds") {
      params = { hours: Math.floor(amount / 3600), minutes: Math.floor(amount / 60) % 60 };
    }
    var key = "quantity." + quantity.unit;
    var text = panel.t(key, params);
    return text === key ? english : text;
  }

  function categoryView(category) {
    if (!category) return null;
    var body =
      category.rows.length === 0
        ? el("p", null, panel.t("empty"))
        : el(
            "table",
            { attrs: { "data-test": "sysinfo-table" } },
            el(
              "thead",
              null,
              el(
                "tr",
                null,
                category.columns.map(function (column, index) {
                  return el("th", { attrs: { scope: "col" } }, columnTitle(category, index));
                }),
              ),
            ),
            el(
              "tbody",
              null,
              category.rows.map(function (row, index) {
                return el(
                  "tr",
                  null,
                  rowCells(category, index).map(function (cell) {
                    return el("td", null, cell);
                  }),
                );
              }),
            ),
          );
    return el("section", { class: "category", attrs: { "data-test": "sysinfo-category" } }, el("h2", null, categoryTitle(category)), body);
  }

  function render() {
    var context = panel.context;
    if (!context || !context.customer) {
      panel.replace(root, el("p", { class: "status" }, panel.t("choose")));
      return;
    }
    if (state.customer !== context.customer.id) {
      state.customer = context.customer.id;
      state.categories = null;
      state.selected = 0;
      setStatus("");
    }
    var have = state.categories !== null;
    var toolbar = el(
      "div",
      { class: "toolbar no-print" },
      el(
        "button",
        {
          class: "primary",
          attrs: { "data-test": have ? "sysinfo-refresh" : "sysinfo-view" },
          props: { disabled: state.busy },
          on: {
            click: function () {
              collect(have ? "refresh" : "collect");
            },
          },
        },
        panel.t(have ? "refresh" : "view"),
      ),
      el("button", { attrs: { "data-test": "sysinfo-save" }, props: { disabled: !have || state.busy }, on: { click: save } }, panel.t("save")),
      el("button", { attrs: { "data-test": "sysinfo-print" }, props: { disabled: !have || state.busy }, on: { click: print } }, panel.t("print")),
    );
    var status = el("p", { class: state.error ? "status error" : "status", attrs: { "data-test": "sysinfo-status", role: "status" } }, state.status);
    var view = null;
    if (have) {
      // A vertical tab list: the tabs are its own children (no list items
      // between), and the category shown is their tab panel.
      var list = el(
        "div",
        { class: "categories", attrs: { role: "tablist", "aria-orientation": "vertical" } },
        state.categories.map(function (category, index) {
          return el(
            "button",
            {
              attrs: {
                role: "tab",
                id: "sysinfo-tab-" + category.id,
                "aria-selected": String(index === state.selected),
                "aria-controls": "sysinfo-tabpanel",
                "data-test": "sysinfo-category-" + category.id,
              },
              on: {
                click: function () {
                  state.selected = index;
                  render();
                },
              },
            },
            categoryTitle(category),
          );
        }),
      );
      var shown = state.categories[state.selected];
      var tabpanel = el(
        "div",
        { attrs: { role: "tabpanel", id: "sysinfo-tabpanel", "aria-labelledby": "sysinfo-tab-" + shown.id } },
        categoryView(shown),
      );
      view = el("div", { class: "sysinfo no-print" }, list, tabpanel);
    }
    panel.replace(root, toolbar, status, view, el("pre", { class: "print-only", attrs: { id: "print-sheet" } }));
  }

  panel.onContext(render);
})();
