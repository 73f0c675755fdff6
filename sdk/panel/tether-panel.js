// Tether panel SDK: the guest side of the console's postMessage bridge.
//
// A plugin panel is a static page the kernel serves from the plugin's
// `ui/` folder into an iframe sandboxed without same-origin. It cannot
// read the console's cookies or call the REST API (the kernel serves it
// with `connect-src 'none'`); it reaches its own plugin only through
// `panel.command(...)`. Load this file with a classic
// `<script src="tether-panel.js">` (module scripts would need CORS from an
// opaque origin), then call `TetherPanel.connect({ strings })`.
//
// Protocol: sdk/panel/README.md.
(function () {
  "use strict";
  var BRIDGE_VERSION = 1;

  /** An element whose children are text nodes or elements, never markup. */
  function el(tag, props) {
    var element = document.createElement(tag);
    props = props || {};
    if (props.class) element.className = props.class;
    var attrs = props.attrs || {};
    Object.keys(attrs).forEach(function (name) {
      if (/^on/i.test(name) || name === "style") throw new Error("attribute " + name + " is not allowed");
      if (attrs[name] !== undefined) element.setAttribute(name, attrs[name]);
    });
    var on = props.on || {};
    Object.keys(on).forEach(function (name) {
      element.addEventListener(name, on[name]);
    });
    var values = props.props || {};
    Object.keys(values).forEach(function (name) {
      element[name] = values[name];
    });
    for (var i = 2; i < arguments.length; i++) append(element, arguments[i]);
    return element;
  }

  function append(parent, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) {
      child.forEach(function (c) {
        append(parent, c);
      });
      return;
    }
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }

  function replace(parent) {
    while (parent.firstChild) parent.removeChild(parent.firstChild);
    for (var i = 1; i < arguments.length; i++) append(parent, arguments[i]);
  }

  /** Offers `text` as a download named `fileName`. */
  function saveText(fileName, text) {
    var url = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
    var link = el("a", { attrs: { href: url, download: fileName } });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 60000);
  }

  /**
   * Gives the panel's document the structure assistive technology expects:
   * its content inside a `main` landmark that starts with a heading naming
   * the panel (visually hidden — the console already shows the name on the
   * panel's tab). Returns the heading, which follows the console's language.
   */
  function landmarks() {
    var main = document.querySelector("main");
    if (!main) {
      main = document.createElement("main");
      while (document.body.firstChild) main.appendChild(document.body.firstChild);
      document.body.appendChild(main);
    }
    var heading = document.createElement("h1");
    heading.className = "visually-hidden";
    heading.textContent = document.title;
    main.insertBefore(heading, main.firstChild);
    return heading;
  }

  /**
   * Connects to the console. `options.strings` maps a language code
   * (`en`, `da`, `fr`, `ja`) to `{ key: "text with {placeholders}" }`;
   * English is the fallback.
   */
  function connect(options) {
    var strings = (options && options.strings) || { en: {} };
    var nextId = 1;
    var pending = {};
    var contextHandlers = [];
    var messageHandlers = [];
    var heading = landmarks();
    var panel = {
      context: null,
      el: el,
      append: append,
      replace: replace,
      saveText: saveText,
      /** The string `key` in the console's language. */
      t: function (key, params) {
        var language = (panel.context && panel.context.locale) || "en";
        var table = strings[language] || {};
        var template = table[key] !== undefined ? table[key] : (strings.en || {})[key];
        if (template === undefined) template = key;
        return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
          return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : whole;
        });
      },
      /** Runs when the session, selected customer or language changes. */
      onContext: function (handler) {
        contextHandlers.push(handler);
        if (panel.context) handler(panel.context);
      },
      /** Runs for every message the plugin sends this console. */
      onMessage: function (handler) {
        messageHandlers.push(handler);
      },
      /** Sends a command to this panel's plugin; resolves with its answer. */
      command: function (name, payload) {
        var body = payload === undefined ? {} : payload;
        var id = nextId++;
        return new Promise(function (resolve, reject) {
          pending[id] = { resolve: resolve, reject: reject };
          window.parent.postMessage({ tether: BRIDGE_VERSION, type: "command", id: id, name: name, payload: body }, "*");
        });
      },
      /**
       * A command about the selected customer: their participant id goes
       * along as `participant` (the plugin's `Command::customer`).
       */
      customerCommand: function (name, payload) {
        var customer = panel.context && panel.context.customer;
        var body = Object.assign({}, payload || {});
        if (customer && !("participant" in body)) body.participant = customer.id;
        return panel.command(name, body);
      },
    };

    window.addEventListener("message", function (event) {
      if (event.source !== window.parent) return;
      var data = event.data;
      if (!data || data.tether !== BRIDGE_VERSION) return;
      if (data.type === "context") {
        panel.context = data.context;
        document.documentElement.lang = data.context.locale || "en";
        if (typeof data.context.title === "string" && data.context.title) {
          document.title = data.context.title;
          heading.textContent = data.context.title;
        }
        contextHandlers.forEach(function (handler) {
          handler(panel.context);
        });
      } else if (data.type === "message") {
        messageHandlers.forEach(function (handler) {
          handler(data.message);
        });
      } else if (data.type === "result" && pending[data.id]) {
        var waiting = pending[data.id];
        delete pending[data.id];
        if (data.ok) {
          waiting.resolve(data.value);
        } else {
          var error = new Error((data.error && data.error.message) || "failed");
          error.code = data.error && data.error.code;
          waiting.reject(error);
        }
      }
    });
    window.parent.postMessage({ tether: BRIDGE_VERSION, type: "ready" }, "*");
    return panel;
  }

  window.TetherPanel = { connect: connect, el: el, replace: replace, saveText: saveText };
})();
