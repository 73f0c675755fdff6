// Application sharing panels: their words in four languages and the parts
// of their logic that need no page (the customer's choices, what Share
// sends, who may control a stream, what the CSR's status line says, which
// streams the CSR shows rather than views). Both panels load this classic
// script before their own; tests import it.
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
      // Show my application (the host's own computer or browser).
      mine_heading: "Show my application",
      mine_checking: "Looking for your agent…",
      mine_intro: "Choose one of your applications and press Share: every other participant of the session can see it.",
      no_agent: "To show an application from your computer, run this command on it and enter the one-time code when it asks:",
      agent_command: "Command for your computer:",
      get_code: "Get a one-time code",
      new_code: "Get a new code",
      code_is: "One-time code: {code} (valid for {minutes} min)",
      code_failed: "Could not get a one-time code: {error}",
      waiting_agent: "Waiting for your agent to join…",
      agent_cannot: "Your agent cannot list applications: {error}",
      browser_intro: "Or share a window or browser tab from this browser. Customers can only watch it: control cannot be given.",
      share_browser: "Share from the browser",
      browser_unsupported: "This browser cannot share a window or a tab.",
      browser_cancelled: "Nothing is shared: no window or tab was chosen, or the browser did not allow it.",
      browser_failed: "Could not share from the browser: {error}",
      browser_screen: "Choose a window or a tab: the whole screen is never shared.",
      browser_tab: "Browser tab",
      browser_window: "Window",
      running_mine: "Your running applications",
      no_running_mine: "No application with a window is running on your computer.",
      windows_of: "Windows of {name}",
      new_application: "New application",
      no_installed_mine: "No installed applications were found.",
      share: "Share",
      refresh: "Refresh the list",
      choose_first: "Choose an application or a window first.",
      show_failed: "Could not show it: {error}",
      showing_now: "You are showing {label}.",
      give_any: "Give {customer} control of an application…",
      select_customer_to_give: "Select a customer to give control of an application.",
      own_heading: "You are showing",
      nothing_shown: "You are not showing anything.",
      controlled_by: "{customer} controls it.",
      controlled_by_you: "Only you control it.",
      browser_view_only: "From the browser: view only.",
      browser_starting: "Starting…",
      browser_interrupted: "The browser stopped sending pictures (this panel was closed or reloaded).",
      preview: "Preview of {label}",
      share_again: "Share again",
      give: "Give control to {customer}",
      take: "Take control back",
      confirm_title: "Give control to {customer}?",
      confirm_text: "{customer} can then use {label} with mouse and keyboard — and can open this application's files, and whatever else it reaches on your computer.",
      confirm_back: "You can take control back at any time: Take control back here, or the Pause key on your computer.",
      confirm_give: "Give control",
      cancel: "Cancel",
      give_failed: "Could not give control: {error}",
      take_failed: "Could not take control back: {error}",
      given: "{customer} now controls {label}.",
      taken: "You took control of {label} back.",
      control_dialog_title: "Application control",
      control_dialog_prompt: "Choose the application {customer} may control:",
      control_dialog_warning: "{customer} can then use it with mouse and keyboard — and can open this application's files, and whatever else it reaches on your computer.",
      shown_ended: "You no longer show {label}.",
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
      // Vis mit program (værtens egen computer eller browser).
      mine_heading: "Vis mit program",
      mine_checking: "Leder efter din agent…",
      mine_intro: "Vælg et af dine programmer, og tryk på Del: alle andre deltagere i sessionen kan se det.",
      no_agent: "For at vise et program fra din computer skal du køre denne kommando på den og indtaste engangskoden, når den beder om den:",
      agent_command: "Kommando til din computer:",
      get_code: "Hent en engangskode",
      new_code: "Hent en ny kode",
      code_is: "Engangskode: {code} (gyldig i {minutes} min.)",
      code_failed: "Kunne ikke hente en engangskode: {error}",
      waiting_agent: "Venter på, at din agent slutter sig til…",
      agent_cannot: "Din agent kan ikke vise programmer: {error}",
      browser_intro: "Eller del et vindue eller en browserfane fra denne browser. Kunderne kan kun se med: styring kan ikke gives.",
      share_browser: "Del fra browseren",
      browser_unsupported: "Denne browser kan ikke dele et vindue eller en fane.",
      browser_cancelled: "Der deles ikke noget: der blev ikke valgt et vindue eller en fane, eller browseren tillod det ikke.",
      browser_failed: "Kunne ikke dele fra browseren: {error}",
      browser_screen: "Vælg et vindue eller en fane: hele skærmen deles aldrig.",
      browser_tab: "Browserfane",
      browser_window: "Vindue",
      running_mine: "Dine kørende programmer",
      no_running_mine: "Der kører intet program med et vindue på din computer.",
      windows_of: "Vinduer i {name}",
      new_application: "Nyt program",
      no_installed_mine: "Der blev ikke fundet nogen installerede programmer.",
      share: "Del",
      refresh: "Opdater listen",
      choose_first: "Vælg først et program eller et vindue.",
      show_failed: "Kunne ikke vise det: {error}",
      showing_now: "Du viser {label}.",
      give_any: "Giv {customer} styring af et program…",
      select_customer_to_give: "Vælg en kunde for at give styring af et program.",
      own_heading: "Du viser",
      nothing_shown: "Du viser ikke noget.",
      controlled_by: "{customer} styrer det.",
      controlled_by_you: "Kun du styrer det.",
      browser_view_only: "Fra browseren: kun visning.",
      browser_starting: "Starter…",
      browser_interrupted: "Browseren holdt op med at sende billeder (panelet blev lukket eller genindlæst).",
      preview: "Forhåndsvisning af {label}",
      share_again: "Del igen",
      give: "Giv styring til {customer}",
      take: "Tag styringen tilbage",
      confirm_title: "Giv styring til {customer}?",
      confirm_text: "{customer} kan så bruge {label} med mus og tastatur – og kan åbne programmets filer og alt andet, det kan nå på din computer.",
      confirm_back: "Du kan til enhver tid tage styringen tilbage: Tag styringen tilbage her eller Pause-tasten på din computer.",
      confirm_give: "Giv styring",
      cancel: "Annuller",
      give_failed: "Kunne ikke give styring: {error}",
      take_failed: "Kunne ikke tage styringen tilbage: {error}",
      given: "{customer} styrer nu {label}.",
      taken: "Du tog styringen af {label} tilbage.",
      control_dialog_title: "Programstyring",
      control_dialog_prompt: "Vælg det program, {customer} må styre:",
      control_dialog_warning: "{customer} kan så bruge det med mus og tastatur – og kan åbne programmets filer og alt andet, det kan nå på din computer.",
      shown_ended: "Du viser ikke længere {label}.",
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
      // Montrer mon application (l’ordinateur ou le navigateur de l’hôte).
      mine_heading: "Montrer mon application",
      mine_checking: "Recherche de votre agent…",
      mine_intro: "Choisissez l’une de vos applications et appuyez sur Partager : tous les autres participants de la session peuvent la voir.",
      no_agent: "Pour montrer une application de votre ordinateur, exécutez cette commande sur celui-ci et saisissez le code à usage unique lorsqu’il est demandé :",
      agent_command: "Commande pour votre ordinateur :",
      get_code: "Obtenir un code à usage unique",
      new_code: "Obtenir un nouveau code",
      code_is: "Code à usage unique : {code} (valable {minutes} min)",
      code_failed: "Impossible d’obtenir un code à usage unique : {error}",
      waiting_agent: "En attente de la connexion de votre agent…",
      agent_cannot: "Votre agent ne peut pas lister les applications : {error}",
      browser_intro: "Ou partagez une fenêtre ou un onglet depuis ce navigateur. Les clients peuvent seulement regarder : le contrôle ne peut pas être donné.",
      share_browser: "Partager depuis le navigateur",
      browser_unsupported: "Ce navigateur ne peut pas partager une fenêtre ni un onglet.",
      browser_cancelled: "Rien n’est partagé : aucune fenêtre ni aucun onglet n’a été choisi, ou le navigateur ne l’a pas permis.",
      browser_failed: "Impossible de partager depuis le navigateur : {error}",
      browser_screen: "Choisissez une fenêtre ou un onglet : l’écran entier n’est jamais partagé.",
      browser_tab: "Onglet du navigateur",
      browser_window: "Fenêtre",
      running_mine: "Vos applications en cours d’exécution",
      no_running_mine: "Aucune application avec une fenêtre n’est en cours d’exécution sur votre ordinateur.",
      windows_of: "Fenêtres de {name}",
      new_application: "Nouvelle application",
      no_installed_mine: "Aucune application installée n’a été trouvée.",
      share: "Partager",
      refresh: "Actualiser la liste",
      choose_first: "Choisissez d’abord une application ou une fenêtre.",
      show_failed: "Impossible de la montrer : {error}",
      showing_now: "Vous montrez {label}.",
      give_any: "Donner à {customer} le contrôle d’une application…",
      select_customer_to_give: "Sélectionnez un client pour lui donner le contrôle d’une application.",
      own_heading: "Vous montrez",
      nothing_shown: "Vous ne montrez rien.",
      controlled_by: "{customer} la contrôle.",
      controlled_by_you: "Vous seul la contrôlez.",
      browser_view_only: "Depuis le navigateur : affichage seul.",
      browser_starting: "Démarrage…",
      browser_interrupted: "Le navigateur n’envoie plus d’images (ce panneau a été fermé ou rechargé).",
      preview: "Aperçu de {label}",
      share_again: "Partager à nouveau",
      give: "Donner le contrôle à {customer}",
      take: "Reprendre le contrôle",
      confirm_title: "Donner le contrôle à {customer} ?",
      confirm_text: "{customer} pourra alors utiliser {label} avec la souris et le clavier — et pourra ouvrir les fichiers de cette application, et tout ce qu’elle atteint sur votre ordinateur.",
      confirm_back: "Vous pouvez reprendre le contrôle à tout moment : Reprendre le contrôle ici, ou la touche Pause de votre ordinateur.",
      confirm_give: "Donner le contrôle",
      cancel: "Annuler",
      give_failed: "Impossible de donner le contrôle : {error}",
      take_failed: "Impossible de reprendre le contrôle : {error}",
      given: "{customer} contrôle maintenant {label}.",
      taken: "Vous avez repris le contrôle de {label}.",
      control_dialog_title: "Contrôle d’application",
      control_dialog_prompt: "Choisissez l’application que {customer} pourra contrôler :",
      control_dialog_warning: "{customer} pourra alors l’utiliser avec la souris et le clavier — et pourra ouvrir les fichiers de cette application, et tout ce qu’elle atteint sur votre ordinateur.",
      shown_ended: "Vous ne montrez plus {label}.",
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
      // 自分のアプリケーションを表示（ホスト自身のコンピューターまたはブラウザー）。
      mine_heading: "自分のアプリケーションを表示",
      mine_checking: "エージェントを確認しています…",
      mine_intro: "自分のアプリケーションを選んで「共有」を押すと、セッションのほかの参加者全員に表示されます。",
      no_agent: "自分のコンピューターのアプリケーションを表示するには、そのコンピューターでこのコマンドを実行し、求められたらワンタイムコードを入力してください:",
      agent_command: "コンピューターで実行するコマンド:",
      get_code: "ワンタイムコードを取得",
      new_code: "新しいコードを取得",
      code_is: "ワンタイムコード: {code}（{minutes} 分間有効）",
      code_failed: "ワンタイムコードを取得できませんでした: {error}",
      waiting_agent: "エージェントの接続を待っています…",
      agent_cannot: "エージェントがアプリケーションを一覧表示できません: {error}",
      browser_intro: "または、このブラウザーからウィンドウやタブを共有します。顧客は見ることしかできず、操作権は渡せません。",
      share_browser: "ブラウザーから共有",
      browser_unsupported: "このブラウザーではウィンドウやタブを共有できません。",
      browser_cancelled: "何も共有されていません。ウィンドウやタブが選ばれなかったか、ブラウザーが許可しませんでした。",
      browser_failed: "ブラウザーから共有できませんでした: {error}",
      browser_screen: "ウィンドウかタブを選んでください。画面全体は共有されません。",
      browser_tab: "ブラウザーのタブ",
      browser_window: "ウィンドウ",
      running_mine: "実行中のアプリケーション",
      no_running_mine: "このコンピューターではウィンドウのあるアプリケーションが実行されていません。",
      windows_of: "{name} のウィンドウ",
      new_application: "新しいアプリケーション",
      no_installed_mine: "インストール済みのアプリケーションが見つかりませんでした。",
      share: "共有",
      refresh: "一覧を更新",
      choose_first: "先にアプリケーションかウィンドウを選んでください。",
      show_failed: "表示できませんでした: {error}",
      showing_now: "{label} を表示しています。",
      give_any: "{customer} にアプリケーションの操作権を渡す…",
      select_customer_to_give: "アプリケーションの操作権を渡す顧客を選択してください。",
      own_heading: "表示中",
      nothing_shown: "何も表示していません。",
      controlled_by: "{customer} が操作しています。",
      controlled_by_you: "操作できるのはあなただけです。",
      browser_view_only: "ブラウザーから: 表示のみ。",
      browser_starting: "開始しています…",
      browser_interrupted: "ブラウザーからの画像の送信が止まりました（このパネルが閉じられたか再読み込みされました）。",
      preview: "{label} のプレビュー",
      share_again: "もう一度共有",
      give: "{customer} に操作権を渡す",
      take: "操作権を取り戻す",
      confirm_title: "{customer} に操作権を渡しますか?",
      confirm_text: "{customer} はマウスとキーボードで {label} を使えるようになります。このアプリケーションのファイルや、アプリケーションからアクセスできるコンピューター上のものを開くこともできます。",
      confirm_back: "操作権はいつでも取り戻せます: ここの「操作権を取り戻す」か、コンピューターの Pause キーを使います。",
      confirm_give: "操作権を渡す",
      cancel: "キャンセル",
      give_failed: "操作権を渡せませんでした: {error}",
      take_failed: "操作権を取り戻せませんでした: {error}",
      given: "{customer} が {label} を操作しています。",
      taken: "{label} の操作権を取り戻しました。",
      control_dialog_title: "アプリケーションの操作",
      control_dialog_prompt: "{customer} が操作できるアプリケーションを選んでください:",
      control_dialog_warning: "{customer} はマウスとキーボードでそれを使えるようになります。このアプリケーションのファイルや、アプリケーションからアクセスできるコンピューター上のものを開くこともできます。",
      shown_ended: "{label} の表示を終了しました。",
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

  // -------------------------------------------------------------------
  // What the host shows (Show my application)
  // -------------------------------------------------------------------

  /**
   * Whether `stream` (a stream's `opened` event or a state entry, with
   * `origin` and `source`) is one this console shows itself — listed with
   * Stop and control, never viewed — rather than one it views. `me` is this
   * CSR's participant id where the plugin told it (`mine`), `role` the
   * console's. `null` when it cannot tell yet (no origin known: the state
   * will say).
   */
  function isOwnStream(stream, me, role) {
    if (!stream || typeof stream !== "object") return null;
    if (stream.origin === "customer_agent") return false;
    if (stream.origin === "csr_agent" || stream.origin === "csr_browser") {
      return me ? stream.source === me : role === "host";
    }
    if (me && typeof stream.source === "string") return stream.source === me;
    return null;
  }

  /**
   * The command that attaches the CSR's own agent to the session: the
   * agent's `join` with the session's link (the panel context's
   * `join_link`: a sandboxed panel does not know the server's address
   * otherwise), or its number where there is no link (the agent then also
   * needs `--server`).
   */
  function agentCommand(link) {
    return "tether-agent join " + String(link || "");
  }

  /** Whole minutes a one-time code is good for (at least 1). */
  function codeMinutes(expiresInSecs) {
    var secs = Number(expiresInSecs);
    return Number.isFinite(secs) && secs > 0 ? Math.max(1, Math.round(secs / 60)) : 1;
  }

  /**
   * What an own stream's line says about control: `{key, params}` —
   * view only for a browser's share (starting, or interrupted where this
   * panel has no capture for it), else who controls it. `entry` has
   * `origin`, `controller` and `controller_name`; `capturing` says whether
   * this panel sends its pictures (browser shares only).
   */
  function ownControlNote(entry, capturing, starting) {
    if (!entry) return null;
    if (entry.origin === "csr_browser") {
      if (capturing) return { key: "browser_view_only", params: {} };
      return { key: starting ? "browser_starting" : "browser_interrupted", params: {} };
    }
    if (typeof entry.controller === "string" && entry.controller) {
      return { key: "controlled_by", params: { customer: entry.controller_name || entry.controller } };
    }
    return { key: "controlled_by_you", params: {} };
  }

  root.AppShare = {
    strings: { viewer: viewerStrings, share: shareStrings },
    choices: choices,
    shareRequest: shareRequest,
    mayControl: mayControl,
    statusAfter: statusAfter,
    statusAfterAnswer: statusAfterAnswer,
    isOwnStream: isOwnStream,
    agentCommand: agentCommand,
    codeMinutes: codeMinutes,
    ownControlNote: ownControlNote,
  };
})(typeof window !== "undefined" ? window : globalThis);
