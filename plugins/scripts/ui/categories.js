// Script categories, for site admins: CSRs file every library script
// under one of these.
(function () {
  "use strict";
  var strings = {
    en: { intro: "CSRs file each library script under one of these categories.", add: "Add", remove: "Remove", save: "Save categories", saved: "Categories saved.", name: "New category", none: "No categories yet.", failed: "Not saved: {error}" },
    da: { intro: "Supportmedarbejdere placerer hvert script i biblioteket i en af disse kategorier.", add: "Tilføj", remove: "Fjern", save: "Gem kategorier", saved: "Kategorierne er gemt.", name: "Ny kategori", none: "Ingen kategorier endnu.", failed: "Ikke gemt: {error}" },
    fr: { intro: "Chaque script de la bibliothèque est classé dans l'une de ces catégories.", add: "Ajouter", remove: "Supprimer", save: "Enregistrer les catégories", saved: "Catégories enregistrées.", name: "Nouvelle catégorie", none: "Aucune catégorie pour l'instant.", failed: "Non enregistré : {error}" },
    ja: { intro: "サポート担当者はライブラリの各スクリプトをこれらのカテゴリのいずれかに分類します。", add: "追加", remove: "削除", save: "カテゴリを保存", saved: "カテゴリを保存しました。", name: "新しいカテゴリ", none: "カテゴリはまだありません。", failed: "保存できませんでした: {error}" },
  };
  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var categories = [];
  var status = { text: "", error: false };
  var input = el("input", { attrs: { "data-test": "category-name", maxlength: "100" } });

  function render() {
    input.setAttribute("placeholder", panel.t("name"));
    panel.replace(
      root,
      el("p", null, panel.t("intro")),
      categories.length === 0
        ? el("p", { class: "status" }, panel.t("none"))
        : el(
            "ul",
            { attrs: { "data-test": "categories" } },
            categories.map(function (name, index) {
              return el(
                "li",
                null,
                el("span", { attrs: { "data-test": "category" } }, name),
                " ",
                el("button", { attrs: { type: "button" }, on: { click: function () { categories.splice(index, 1); render(); } } }, panel.t("remove")),
              );
            }),
          ),
      el(
        "div",
        { class: "toolbar" },
        input,
        el("button", { attrs: { type: "button", "data-test": "category-add" }, on: { click: add } }, panel.t("add")),
        el("button", { class: "primary", attrs: { type: "button", "data-test": "categories-save" }, on: { click: save } }, panel.t("save")),
      ),
      el("p", { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "categories-status" } }, status.text),
    );
  }

  function add() {
    var name = input.value.trim();
    if (name && categories.indexOf(name) < 0) categories.push(name);
    input.value = "";
    render();
  }

  function save() {
    panel.command("categories.set", { categories: categories }).then(
      function (saved) {
        categories = saved;
        status = { text: panel.t("saved"), error: false };
        render();
      },
      function (error) {
        status = { text: panel.t("failed", { error: error.message }), error: true };
        render();
      },
    );
  }

  panel.onContext(function () {
    panel.command("categories.list", {}).then(function (list) {
      categories = list;
      render();
    }, render);
    render();
  });
})();
