// Log on as another user, in the manuals' order: the CSR asks; only once
// the customer allows it does the logon dialog appear (user, password,
// domain for a network account); later the CSR logs off and the
// customer's own account comes back. The password field is cleared as soon
// as the form is sent.
(function () {
  "use strict";
  var strings = {
    en: {
      choose: "Select a customer to log on to their computer as another user.",
      explain: "The customer is asked first. When they allow it, type the account to log on with; they are temporarily logged off until you log off.",
      ask: "Ask to log on as another user",
      asking: "Waiting for {customer} to allow logging on as another user…",
      allowed: "{customer} allowed it. Type the account to log on with.",
      ask_first: "The permission from {customer} has ended. Ask again.",
      user: "User name",
      password: "Password",
      domain: "Domain (for a network account)",
      logon: "Log on",
      logoff: "Log off",
      missing: "Type the user name and the password.",
      waiting: "Logging on to {customer}'s computer…",
      logged_on: "You are logged on to {customer}'s computer as {user}.",
      logged_off: "Logged off. {customer}'s own account is back.",
      not_logged_on: "Nobody was logged on; {customer}'s account is in place.",
      not_allowed: "{customer} did not allow logging off; their account comes back when the session ends.",
      denied: "{customer} did not allow logging on as another user.",
      timed_out: "{customer} did not answer in time.",
      failed: "Could not log on: {error}",
    },
    da: {
      choose: "Vælg en kunde for at logge på kundens computer som en anden bruger.",
      explain: "Kunden bliver spurgt først. Når kunden tillader det, skriver du den konto, der skal logges på med; kunden er logget af, indtil du logger af.",
      ask: "Bed om at logge på som en anden bruger",
      asking: "Venter på, at {customer} tillader logon som en anden bruger…",
      allowed: "{customer} har givet tilladelse. Skriv den konto, der skal logges på med.",
      ask_first: "Tilladelsen fra {customer} er udløbet. Spørg igen.",
      user: "Brugernavn",
      password: "Adgangskode",
      domain: "Domæne (for en netværkskonto)",
      logon: "Log på",
      logoff: "Log af",
      missing: "Skriv brugernavnet og adgangskoden.",
      waiting: "Logger på {customer}s computer…",
      logged_on: "Du er logget på {customer}s computer som {user}.",
      logged_off: "Logget af. {customer}s egen konto er tilbage.",
      not_logged_on: "Ingen var logget på; {customer}s konto er på plads.",
      not_allowed: "{customer} tillod ikke at logge af; kontoen kommer tilbage, når sessionen slutter.",
      denied: "{customer} tillod ikke logon som en anden bruger.",
      timed_out: "{customer} svarede ikke i tide.",
      failed: "Kunne ikke logge på: {error}",
    },
    fr: {
      choose: "Sélectionnez un client pour ouvrir une session sur son ordinateur sous un autre utilisateur.",
      explain: "Le client est d'abord consulté. Une fois son accord donné, saisissez le compte à utiliser ; sa session reste fermée jusqu'à ce que vous fermiez la vôtre.",
      ask: "Demander l'ouverture d'une session sous un autre utilisateur",
      asking: "En attente de l'accord de {customer} pour ouvrir une session sous un autre utilisateur…",
      allowed: "{customer} a donné son accord. Saisissez le compte à utiliser.",
      ask_first: "L'autorisation de {customer} a pris fin. Redemandez-la.",
      user: "Nom d'utilisateur",
      password: "Mot de passe",
      domain: "Domaine (pour un compte réseau)",
      logon: "Ouvrir la session",
      logoff: "Fermer la session",
      missing: "Saisissez le nom d'utilisateur et le mot de passe.",
      waiting: "Ouverture de la session sur l'ordinateur de {customer}…",
      logged_on: "Vous êtes connecté à l'ordinateur de {customer} en tant que {user}.",
      logged_off: "Session fermée. Le compte de {customer} est rétabli.",
      not_logged_on: "Aucune session n'était ouverte ; le compte de {customer} est en place.",
      not_allowed: "{customer} n'a pas autorisé la fermeture ; son compte reviendra à la fin de la session.",
      denied: "{customer} n'a pas autorisé l'ouverture de session sous un autre utilisateur.",
      timed_out: "{customer} n'a pas répondu à temps.",
      failed: "Impossible d'ouvrir la session : {error}",
    },
    ja: {
      choose: "別のユーザーとして顧客のコンピューターにログオンするには顧客を選択してください。",
      explain: "最初に顧客の許可を求めます。許可されたら、ログオンするアカウントを入力してください。ログオフするまで顧客は一時的にログオフされます。",
      ask: "別のユーザーとしてのログオンを依頼",
      asking: "{customer} が別のユーザーとしてのログオンを許可するのを待っています…",
      allowed: "{customer} が許可しました。ログオンするアカウントを入力してください。",
      ask_first: "{customer} の許可が終了しました。もう一度依頼してください。",
      user: "ユーザー名",
      password: "パスワード",
      domain: "ドメイン (ネットワーク アカウントの場合)",
      logon: "ログオン",
      logoff: "ログオフ",
      missing: "ユーザー名とパスワードを入力してください。",
      waiting: "{customer} のコンピューターにログオンしています…",
      logged_on: "{user} として {customer} のコンピューターにログオンしています。",
      logged_off: "ログオフしました。{customer} のアカウントが戻りました。",
      not_logged_on: "誰もログオンしていません。{customer} のアカウントはそのままです。",
      not_allowed: "{customer} はログオフを許可しませんでした。セッション終了時にアカウントが戻ります。",
      denied: "{customer} は別のユーザーとしてのログオンを許可しませんでした。",
      timed_out: "{customer} は時間内に応答しませんでした。",
      failed: "ログオンできませんでした: {error}",
    },
  };

  var panel = TetherPanel.connect({ strings: strings });
  var el = panel.el;
  var root = document.getElementById("panel");
  var status = { key: "", params: {}, error: false };
  /** Whom the CSR is logged on as, by customer id. */
  var loggedOnAs = {};
  /** Customers who allowed logging on, by id: only they get the dialog. */
  var allowed = {};
  var busy = false;
  var user = el("input", { attrs: { id: "relogin-user", autocomplete: "off", "data-test": "relogin-user" } });
  var password = el("input", { attrs: { id: "relogin-password", type: "password", autocomplete: "off", "data-test": "relogin-password" } });
  var domain = el("input", { attrs: { id: "relogin-domain", autocomplete: "off", "data-test": "relogin-domain" } });

  function setStatus(key, params, error) {
    status = { key: key, params: params || {}, error: !!error };
    render();
  }

  function ask() {
    var customer = panel.context.customer.display_name;
    var customerId = panel.context.customer.id;
    busy = true;
    setStatus("asking", { customer: customer });
    panel.customerCommand("ask", {}).then(
      function (answer) {
        busy = false;
        if (answer.status === "allowed") allowed[customerId] = true;
        setStatus(answer.status, { customer: answer.customer }, answer.status !== "allowed");
        if (answer.status === "allowed") user.focus();
      },
      function (error) {
        busy = false;
        setStatus("failed", { error: error.message }, true);
      },
    );
  }

  function logon() {
    var customer = panel.context.customer.display_name;
    var customerId = panel.context.customer.id;
    if (!user.value.trim() || !password.value) {
      setStatus("missing", {}, true);
      return;
    }
    var form = { user: user.value.trim(), password: password.value };
    if (domain.value.trim()) form.domain = domain.value.trim();
    password.value = "";
    busy = true;
    setStatus("waiting", { customer: customer });
    panel.customerCommand("logon", form).then(
      function (answer) {
        busy = false;
        if (answer.status === "logged_on") loggedOnAs[customerId] = form.user;
        if (answer.status === "ask_first") delete allowed[customerId];
        setStatus(answer.status, { customer: answer.customer, user: form.user }, answer.status !== "logged_on");
      },
      function (error) {
        busy = false;
        setStatus("failed", { error: error.message }, true);
      },
    );
  }

  function logoff() {
    var customerId = panel.context.customer.id;
    busy = true;
    render();
    panel.customerCommand("logoff", {}).then(
      function (answer) {
        busy = false;
        if (answer.status !== "not_allowed") delete loggedOnAs[customerId];
        // Each logon is asked for anew, as the manuals have it.
        delete allowed[customerId];
        setStatus(answer.status, { customer: answer.customer }, answer.status === "not_allowed");
      },
      function (error) {
        busy = false;
        setStatus("failed", { error: error.message }, true);
      },
    );
  }

  function field(labelKey, input) {
    return el("div", null, el("label", { attrs: { for: input.id } }, panel.t(labelKey)), input);
  }

  function render() {
    var context = panel.context;
    if (!context || !context.customer) {
      panel.replace(root, el("p", { class: "status" }, panel.t("choose")));
      return;
    }
    var body;
    if (loggedOnAs[context.customer.id]) {
      body = el(
        "div",
        { class: "toolbar" },
        el("button", { class: "primary", attrs: { "data-test": "relogin-logoff" }, props: { disabled: busy }, on: { click: logoff } }, panel.t("logoff")),
      );
    } else if (!allowed[context.customer.id]) {
      body = el(
        "div",
        { class: "toolbar" },
        el("button", { class: "primary", attrs: { type: "button", "data-test": "relogin-ask" }, props: { disabled: busy }, on: { click: ask } }, panel.t("ask")),
      );
    } else {
      // Not a <form>: the panel's sandbox has no allow-forms, so Enter and
      // the button are handled here.
      body = el(
        "div",
        {
          attrs: { "data-test": "relogin-form" },
          on: {
            keydown: function (event) {
              if (event.key === "Enter") logon();
            },
          },
        },
        field("user", user),
        field("password", password),
        field("domain", domain),
        el(
          "div",
          { class: "toolbar" },
          el("button", { class: "primary", attrs: { type: "button", "data-test": "relogin-logon" }, props: { disabled: busy }, on: { click: logon } }, panel.t("logon")),
        ),
      );
    }
    panel.replace(
      root,
      el("p", null, panel.t("explain")),
      body,
      el(
        "p",
        { class: status.error ? "status error" : "status", attrs: { role: "status", "data-test": "relogin-status" } },
        status.key ? panel.t(status.key, status.params) : "",
      ),
    );
  }

  panel.onContext(render);
})();
