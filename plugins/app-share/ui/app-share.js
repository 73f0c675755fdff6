// Application sharing panels: their words in four languages and the parts
// of their logic that need no page (the customer's choices, what Share
// sends, who may control a stream, what the CSR's status line says). Both
// panels load this classic script before their own; tests import it.
(function (root) {
  "use strict";

  /** The CSR's "Applications" panel (viewer.html). */
  var viewerStrings = {
    en: {
      choose_customer: "Select a customer to ask to see their applications.",
      request_view: "Request view",
      request_control: "Request control",
      host_only: "Only the session's host asks to see or control applications; you see what is shared.",
      asking_view: "Waiting for {customer} to allow viewing an application…",
      asking_control: "Waiting for {customer} to allow controlling an application…",
      granted_view: "{customer} allowed viewing and is choosing an application to share.",
      granted_control: "{customer} allowed control and is choosing an application to share.",
      control_given: "{customer} allowed control of what they share.",
      share_failed: "{customer} chose an application, but it could not be shared: {error}",
      control_failed: "Control of {customer}'s application could not start: {error}",
      denied: "{customer} did not allow it.",
      timed_out: "{customer} did not answer in time.",
      cancelled: "{customer} chose not to share an application.",
      failed: "Could not ask {customer}: {error}",
      stop_failed: "Could not stop sharing {label}: {error}",
      shared_heading: "Shared applications",
      nothing_shared: "Nothing is shared yet.",
      stop: "Stop",
      stop_named: "Stop sharing {label}",
      control_allowed: "Control allowed",
      view_only: "View only",
      ended: "Sharing of {label} ended.",
      untitled: "Application {stream}",
    },
    da: {
      choose_customer: "Vælg en kunde for at bede om at se kundens programmer.",
      request_view: "Anmod om visning",
      request_control: "Anmod om styring",
      host_only: "Kun sessionens vært kan bede om at se eller styre programmer; du ser det, der deles.",
      asking_view: "Venter på, at {customer} tillader visning af et program…",
      asking_control: "Venter på, at {customer} tillader styring af et program…",
      granted_view: "{customer} tillod visning og vælger et program at dele.",
      granted_control: "{customer} tillod styring og vælger et program at dele.",
      control_given: "{customer} tillod styring af det, der deles.",
      share_failed: "{customer} valgte et program, men det kunne ikke deles: {error}",
      control_failed: "Styringen af {customer}s program kunne ikke starte: {error}",
      denied: "{customer} tillod det ikke.",
      timed_out: "{customer} svarede ikke i tide.",
      cancelled: "{customer} valgte ikke at dele et program.",
      failed: "Kunne ikke spørge {customer}: {error}",
      stop_failed: "Kunne ikke stoppe delingen af {label}: {error}",
      shared_heading: "Delte programmer",
      nothing_shared: "Der deles ikke noget endnu.",
      stop: "Stop",
      stop_named: "Stop delingen af {label}",
      control_allowed: "Styring tilladt",
      view_only: "Kun visning",
      ended: "Delingen af {label} er slut.",
      untitled: "Program {stream}",
    },
    fr: {
      choose_customer: "Sélectionnez un client pour lui demander à voir ses applications.",
      request_view: "Demander l’affichage",
      request_control: "Demander le contrôle",
      host_only: "Seul l’hôte de la session peut demander à voir ou à contrôler des applications ; vous voyez ce qui est partagé.",
      asking_view: "En attente de l’accord de {customer} pour afficher une application…",
      asking_control: "En attente de l’accord de {customer} pour contrôler une application…",
      granted_view: "{customer} a autorisé l’affichage et choisit une application à partager.",
      granted_control: "{customer} a autorisé le contrôle et choisit une application à partager.",
      control_given: "{customer} a autorisé le contrôle de ce qui est partagé.",
      share_failed: "{customer} a choisi une application, mais elle n’a pas pu être partagée : {error}",
      control_failed: "Le contrôle de l’application de {customer} n’a pas pu démarrer : {error}",
      denied: "{customer} ne l’a pas autorisé.",
      timed_out: "{customer} n’a pas répondu à temps.",
      cancelled: "{customer} a choisi de ne partager aucune application.",
      failed: "Impossible de demander à {customer} : {error}",
      stop_failed: "Impossible d’arrêter le partage de {label} : {error}",
      shared_heading: "Applications partagées",
      nothing_shared: "Rien n’est encore partagé.",
      stop: "Arrêter",
      stop_named: "Arrêter le partage de {label}",
      control_allowed: "Contrôle autorisé",
      view_only: "Affichage seul",
      ended: "Le partage de {label} est terminé.",
      untitled: "Application {stream}",
    },
    ja: {
      choose_customer: "アプリケーションの表示を依頼する顧客を選択してください。",
      request_view: "表示を依頼",
      request_control: "操作を依頼",
      host_only: "アプリケーションの表示や操作を依頼できるのはセッションのホストだけです。共有されているものは表示されます。",
      asking_view: "{customer} がアプリケーションの表示を許可するのを待っています…",
      asking_control: "{customer} がアプリケーションの操作を許可するのを待っています…",
      granted_view: "{customer} が表示を許可し、共有するアプリケーションを選んでいます。",
      granted_control: "{customer} が操作を許可し、共有するアプリケーションを選んでいます。",
      control_given: "{customer} が共有中のアプリケーションの操作を許可しました。",
      share_failed: "{customer} がアプリケーションを選びましたが、共有できませんでした: {error}",
      control_failed: "{customer} のアプリケーションの操作を開始できませんでした: {error}",
      denied: "{customer} は許可しませんでした。",
      timed_out: "{customer} は時間内に応答しませんでした。",
      cancelled: "{customer} はアプリケーションを共有しないことを選びました。",
      failed: "{customer} に依頼できませんでした: {error}",
      stop_failed: "{label} の共有を停止できませんでした: {error}",
      shared_heading: "共有中のアプリケーション",
      nothing_shared: "まだ何も共有されていません。",
      stop: "停止",
      stop_named: "{label} の共有を停止",
      control_allowed: "操作可",
      view_only: "表示のみ",
      ended: "{label} の共有が終了しました。",
      untitled: "アプリケーション {stream}",
    },
  };

  /** The customer's "Share applications" panel (share.html). */
  var shareStrings = {
    en: {
      title_view: "Application view",
      title_control: "Application control",
      prompt_view: "{csr} asks to see an application. Choose one:",
      prompt_control: "{csr} asks to control an application. Choose one:",
      your_representative: "Your support representative",
      running: "Running applications",
      no_running: "No application with a window is running.",
      windows_of: "Windows of {name}",
      new_application: "New application",
      no_installed: "No installed applications were found.",
      share: "Share",
      cancel: "Cancel",
      choose_first: "Choose an application or a window first.",
      share_failed: "Could not share: {error}",
      cancel_failed: "Could not cancel: {error}",
      sharing: "You are sharing {label}.",
      select: "Select application",
      idle: "When your support representative asks to see one of your applications, you choose it here.",
      another: "Use Select application to share another application.",
      choose_failed: "Could not list your applications: {error}",
      cancelled: "Nothing was shared.",
    },
    da: {
      title_view: "Programvisning",
      title_control: "Programstyring",
      prompt_view: "{csr} beder om at se et program. Vælg et:",
      prompt_control: "{csr} beder om at styre et program. Vælg et:",
      your_representative: "Din supportmedarbejder",
      running: "Kørende programmer",
      no_running: "Der kører intet program med et vindue.",
      windows_of: "Vinduer i {name}",
      new_application: "Nyt program",
      no_installed: "Der blev ikke fundet nogen installerede programmer.",
      share: "Del",
      cancel: "Annuller",
      choose_first: "Vælg først et program eller et vindue.",
      share_failed: "Kunne ikke dele: {error}",
      cancel_failed: "Kunne ikke annullere: {error}",
      sharing: "Du deler {label}.",
      select: "Vælg program",
      idle: "Når din supportmedarbejder beder om at se et af dine programmer, vælger du det her.",
      another: "Brug Vælg program for at dele endnu et program.",
      choose_failed: "Kunne ikke vise dine programmer: {error}",
      cancelled: "Der blev ikke delt noget.",
    },
    fr: {
      title_view: "Affichage d’application",
      title_control: "Contrôle d’application",
      prompt_view: "{csr} demande à voir une application. Choisissez-en une :",
      prompt_control: "{csr} demande à contrôler une application. Choisissez-en une :",
      your_representative: "Votre conseiller",
      running: "Applications en cours d’exécution",
      no_running: "Aucune application avec une fenêtre n’est en cours d’exécution.",
      windows_of: "Fenêtres de {name}",
      new_application: "Nouvelle application",
      no_installed: "Aucune application installée n’a été trouvée.",
      share: "Partager",
      cancel: "Annuler",
      choose_first: "Choisissez d’abord une application ou une fenêtre.",
      share_failed: "Impossible de partager : {error}",
      cancel_failed: "Impossible d’annuler : {error}",
      sharing: "Vous partagez {label}.",
      select: "Sélectionner une application",
      idle: "Lorsque votre conseiller demande à voir l’une de vos applications, vous la choisissez ici.",
      another: "Utilisez Sélectionner une application pour partager une autre application.",
      choose_failed: "Impossible d’afficher vos applications : {error}",
      cancelled: "Rien n’a été partagé.",
    },
    ja: {
      title_view: "アプリケーションの表示",
      title_control: "アプリケーションの操作",
      prompt_view: "{csr} がアプリケーションの表示を求めています。1 つ選んでください:",
      prompt_control: "{csr} がアプリケーションの操作を求めています。1 つ選んでください:",
      your_representative: "サポート担当者",
      running: "実行中のアプリケーション",
      no_running: "ウィンドウのあるアプリケーションは実行されていません。",
      windows_of: "{name} のウィンドウ",
      new_application: "新しいアプリケーション",
      no_installed: "インストール済みのアプリケーションが見つかりませんでした。",
      share: "共有",
      cancel: "キャンセル",
      choose_first: "先にアプリケーションかウィンドウを選んでください。",
      share_failed: "共有できませんでした: {error}",
      cancel_failed: "キャンセルできませんでした: {error}",
      sharing: "{label} を共有しています。",
      select: "アプリケーションを選択",
      idle: "サポート担当者があなたのアプリケーションの表示を求めると、ここで選択できます。",
      another: "別のアプリケーションも共有するには「アプリケーションを選択」を使ってください。",
      choose_failed: "アプリケーションを一覧表示できませんでした: {error}",
      cancelled: "何も共有されませんでした。",
    },
  };

  // -------------------------------------------------------------------
  // The customer's choice
  // -------------------------------------------------------------------

  /**
   * What the dialog offers, from the plugin's lists (`RunningApplication`s
   * and `InstalledApplication`s of sdk/protocol apps.rs). A running
   * application is one choice (its top-most window); where it has several
   * windows, each window is a choice of its own too. Installed ones are
   * started first. Values are what `shareRequest` turns into the command.
   */
  function choices(running, installed) {
    var apps = (Array.isArray(running) ? running : []).filter(function (app) {
      return app && Array.isArray(app.windows) && app.windows.length > 0;
    });
    return {
      running: apps.map(function (app, index) {
        var windows = app.windows.map(function (window) {
          return { value: "window:" + window.id, title: String(window.title || "") };
        });
        var name = String(app.name || app.class || "");
        return {
          value: "app:" + index,
          name: name,
          // The window Share takes for the application.
          window: app.windows[0].id,
          // Below the name: its top-most window's title where that says
          // more, else the kind of application (its X class).
          detail: windows[0].title && windows[0].title !== name ? windows[0].title : String(app.class || ""),
          windows: windows.length > 1 ? windows : [],
        };
      }),
      installed: (Array.isArray(installed) ? installed : [])
        .filter(function (app) {
          return app && typeof app.id === "string" && app.id !== "";
        })
        .map(function (app) {
          return { value: "launch:" + app.id, name: String(app.name || app.id), comment: String(app.comment || "") };
        }),
    };
  }

  /**
   * The `share` command's payload for a chosen value: `{window}` (the X
   * window id) or `{launch}` (a desktop file id), or `null` when the value
   * is not one of `model`'s choices.
   */
  function shareRequest(value, model) {
    if (typeof value !== "string") return null;
    var match = /^(app|window|launch):(.+)$/.exec(value);
    if (!match) return null;
    if (match[1] === "app") {
      var app = model.running[Number(match[2])];
      return app && /^\d+$/.test(match[2]) ? { window: app.window } : null;
    }
    if (match[1] === "window") {
      var id = Number(match[2]);
      var known = model.running.some(function (app) {
        return (
          app.window === id ||
          app.windows.some(function (window) {
            return window.value === value;
          })
        );
      });
      return known && /^\d+$/.test(match[2]) ? { window: id } : null;
    }
    var offered = model.installed.some(function (app) {
      return app.value === value;
    });
    return offered ? { launch: match[2] } : null;
  }

  // -------------------------------------------------------------------
  // The CSR's side
  // -------------------------------------------------------------------

  /**
   * Whether this console may take control of `stream`: the plugin's state
   * says control runs on it, and this CSR is the session's host
   * (assistants see the picture only; the kernel refuses their input too).
   */
  function mayControl(state, stream, role) {
    if (role !== "host" || !state || !Array.isArray(state.streams)) return false;
    return state.streams.some(function (entry) {
      return entry && entry.stream === stream && entry.control === true;
    });
  }

  /** The grants of the customer `id` in a state message, as far as it says. */
  function grantsIn(message, id) {
    if (message.grants && typeof message.grants === "object" && message.grants[id]) return message.grants[id];
    if (message.customer === undefined || message.customer === null || message.customer === id) return message;
    return null;
  }

  /**
   * The status line after a plugin message: `{key, params, error}`, or
   * `null` to keep the current one. `asked` is what this console asked for
   * and waits on (`{mode, id, customer}`: the customer's participant id and
   * name), or null.
   *
   * - `{"type":"state", view, control, customer, grants}`: once the grant
   *   asked for is live → granted (only for the console that asked);
   * - `{"type":"consent", customer_name, mode, outcome}`: granted, denied,
   *   timed_out (every CSR of the session hears it);
   * - `{"type":"cancelled", customer_name}`: the customer closed the dialog;
   * - `{"type":"share_failed" | "control_failed", customer_name, message}`.
   */
  function statusAfter(message, asked) {
    if (!message || typeof message !== "object") return null;
    var name = typeof message.customer_name === "string" ? message.customer_name : asked ? asked.customer : "";
    var status = function (key, error, extra) {
      return { key: key, params: Object.assign({ customer: name }, extra || {}), error: error };
    };
    if (message.type === "state") {
      if (!asked) return null;
      var grants = grantsIn(message, asked.id);
      return grants && grants[asked.mode] === true ? status("granted_" + asked.mode, false) : null;
    }
    if (message.type === "consent") {
      var mode = message.mode === "control" ? "control" : "view";
      if (message.outcome === "granted") return status("granted_" + mode, false);
      if (message.outcome === "denied") return status("denied", true);
      if (message.outcome === "timed_out") return status("timed_out", true);
      return null;
    }
    if (message.type === "cancelled") return status("cancelled", false);
    if (message.type === "share_failed" || message.type === "control_failed") {
      return status(message.type, true, { error: typeof message.message === "string" ? message.message : "" });
    }
    return null;
  }

  /**
   * The status line after the answer to `request` (it comes once the
   * customer answered): `{asked, outcome, mode, dialog}`. Control granted
   * while the customer already shares starts control without a dialog.
   */
  function statusAfterAnswer(answer, asked) {
    if (!answer || typeof answer !== "object" || !asked) return null;
    if (answer.outcome === "granted" && answer.dialog === false) {
      return { key: "control_given", params: { customer: asked.customer }, error: false };
    }
    if (typeof answer.outcome === "string") {
      var consent = { type: "consent", mode: answer.mode || asked.mode, outcome: answer.outcome, customer_name: asked.customer };
      return statusAfter(consent, asked);
    }
    return null;
  }

  root.AppShare = {
    strings: { viewer: viewerStrings, share: shareStrings },
    choices: choices,
    shareRequest: shareRequest,
    mayControl: mayControl,
    statusAfter: statusAfter,
    statusAfterAnswer: statusAfterAnswer,
  };
})(typeof window !== "undefined" ? window : globalThis);
