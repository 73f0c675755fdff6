// The application sharing panels' logic and words
// (plugins/app-share/ui/app-share.js, and the customer panel's own part of
// plugins/app-share/ui/share.js), loaded as the panels load them.
import { describe, expect, it } from "vitest";
import "../../../../plugins/app-share/ui/app-share.js";
import "../../../../plugins/app-share/ui/share.js";

interface Model {
  running: {
    value: string;
    name: string;
    window: number;
    detail: string;
    windows: { value: string; title: string }[];
  }[];
  installed: { value: string; name: string; comment: string }[];
}
interface Api {
  strings: { viewer: Record<string, Record<string, string>>; share: Record<string, Record<string, string>> };
  choices(running: unknown, installed: unknown): Model;
  shareRequest(value: unknown, model: Model): { window: number } | { launch: string } | null;
  mayControl(state: unknown, stream: number, role: string | undefined): boolean;
  statusAfter(
    message: unknown,
    asked: { mode: string; id: string; customer: string } | null,
  ): { key: string; params: Record<string, string>; error: boolean } | null;
  statusAfterAnswer(
    answer: unknown,
    asked: { mode: string; id: string; customer: string } | null,
  ): { key: string; params: Record<string, string>; error: boolean } | null;
}

const appShare = (globalThis as unknown as { AppShare: Api }).AppShare;

interface Shown {
  stream: number;
  label: string;
  source: string;
  csr: string;
  origin: string;
  controller: string | null;
  answer: "offered" | "viewing" | "declined";
}
interface Shows {
  me: string | null;
  opened(event: unknown): Shown | null;
  control(stream: number, controller: unknown): { entry: Shown; change: "given" | "taken" | null } | null;
  mayControl(stream: number): boolean;
  answer(stream: number, answer: string): boolean;
  viewing(stream: number): boolean;
  closed(stream: number): Shown | null;
  list(): Shown[];
}
interface CustomerApi {
  strings: Record<string, Record<string, string>>;
  mergeStrings(
    base: Record<string, Record<string, string>>,
    extra: Record<string, Record<string, string>>,
  ): Record<string, Record<string, string>>;
  Shows: new (me: string | null) => Shows;
}

const customer = (globalThis as unknown as { AppShareCustomer: CustomerApi }).AppShareCustomer;

// As the plugin passes on the agent's app.list and app.installed answers.
const running = [
  {
    id: "x11-client:0x1",
    pid: 100,
    class: "XTerm",
    instance: "xterm",
    name: "carl@desk: ~",
    windows: [{ id: 4194305, title: "carl@desk: ~", class: "XTerm", pid: 100, x: 0, y: 0, width: 640, height: 400 }],
  },
  {
    id: "x11-client:0x2",
    pid: 200,
    class: "Editor",
    instance: "editor",
    name: "notes.txt — Editor",
    windows: [
      { id: 6291457, title: "notes.txt — Editor", class: "Editor", pid: 200, x: 10, y: 10, width: 800, height: 600 },
      { id: 6291470, title: "Find and replace", class: "Editor", pid: 200, x: 40, y: 40, width: 300, height: 120 },
    ],
  },
  // Nothing to share: left out.
  { id: "x11-client:0x3", pid: null, class: null, instance: null, name: "ghost", windows: [] },
];
const installed = [
  { id: "org.example.Calculator.desktop", name: "Calculator", icon: "calc", comment: "Adds numbers" },
  { id: "viewer.desktop", name: "Viewer", icon: null, comment: null },
];

describe("the customer's choice", () => {
  const model = appShare.choices(running, installed);

  it("offers each running application (its top-most window), each window where there are several, and the installed ones", () => {
    expect(model).toEqual({
      running: [
        { value: "app:0", name: "carl@desk: ~", window: 4194305, detail: "XTerm", windows: [] },
        {
          value: "app:1",
          name: "notes.txt — Editor",
          window: 6291457,
          detail: "Editor",
          windows: [
            { value: "window:6291457", title: "notes.txt — Editor" },
            { value: "window:6291470", title: "Find and replace" },
          ],
        },
      ],
      installed: [
        { value: "launch:org.example.Calculator.desktop", name: "Calculator", comment: "Adds numbers" },
        { value: "launch:viewer.desktop", name: "Viewer", comment: "" },
      ],
    });
  });

  it("says below the name what the top-most window's title adds, else the kind of application", () => {
    const [first] = appShare.choices(
      [{ name: "Editor", class: "Editor", windows: [{ id: 1, title: "notes.txt — Editor" }] }],
      [],
    ).running;
    expect(first.detail).toBe("notes.txt — Editor");
    const [untitled] = appShare.choices([{ name: "", class: null, windows: [{ id: 2, title: "" }] }], []).running;
    expect(untitled.detail).toBe("");
  });

  it("tolerates missing lists", () => {
    expect(appShare.choices(undefined, null)).toEqual({ running: [], installed: [] });
  });

  it("Share sends the window or the application to start, and nothing it did not offer", () => {
    const table: [unknown, ReturnType<Api["shareRequest"]>][] = [
      ["app:0", { window: 4194305 }],
      // The application: its top-most window.
      ["app:1", { window: 6291457 }],
      // One window of several.
      ["window:6291470", { window: 6291470 }],
      ["window:4194305", { window: 4194305 }],
      ["launch:org.example.Calculator.desktop", { launch: "org.example.Calculator.desktop" }],
      // Not offered, or nothing chosen.
      ["app:2", null],
      ["app:-1", null],
      ["app:x", null],
      ["window:1", null],
      ["window:6291470x", null],
      ["launch:other.desktop", null],
      ["launch:", null],
      ["", null],
      [null, null],
      [4194305, null],
    ];
    for (const [value, expected] of table) {
      expect(appShare.shareRequest(value, model), JSON.stringify(value)).toEqual(expected);
    }
  });
});

describe("the CSR's side", () => {
  const state = {
    type: "state",
    streams: [
      { stream: 7, label: "xterm", customer: "p1", control: true, width: 640, height: 400 },
      { stream: 8, label: "Editor", customer: "p1", control: false, width: 800, height: 600 },
    ],
    view: true,
    control: true,
  };

  it("only the host controls, and only streams the plugin says are under control", () => {
    const table: [unknown, number, string | undefined, boolean][] = [
      [state, 7, "host", true],
      [state, 8, "host", false],
      [state, 9, "host", false],
      [state, 7, "assistant", false],
      [state, 7, undefined, false],
      [null, 7, "host", false],
      [{ streams: "no" }, 7, "host", false],
    ];
    for (const [given, stream, role, allowed] of table) {
      expect(appShare.mayControl(given, stream, role), `${stream} ${role}`).toBe(allowed);
    }
  });

  it("says what became of the request, from the plugin's messages", () => {
    const view = { mode: "view", id: "p1", customer: "Carl" };
    const control = { mode: "control", id: "p1", customer: "Carl" };
    const carl = { customer: "Carl" };
    const ok = (key: string, params: Record<string, string> = carl) => ({ key, params, error: false });
    const bad = (key: string, params: Record<string, string> = carl) => ({ key, params, error: true });
    const table: [unknown, typeof view | null, ReturnType<Api["statusAfter"]>][] = [
      // The state: only for the console that asked, once the grant is live.
      [{ type: "state", view: true, control: false }, view, ok("granted_view")],
      [{ type: "state", view: true, control: false }, control, null],
      [{ type: "state", view: true, control: true }, control, ok("granted_control")],
      [{ type: "state", view: true, control: true }, null, null],
      // Another customer's grants, named in the state: not this one's.
      [{ type: "state", view: true, control: true, customer: "p2" }, view, null],
      [
        { type: "state", view: true, customer: "p2", grants: { p1: { view: true, control: false } } },
        view,
        ok("granted_view"),
      ],
      [{ type: "state", view: false, customer: "p2", grants: { p1: { view: false, control: false } } }, view, null],
      // Notices every CSR hears, named by the plugin.
      [
        { type: "consent", customer: "p1", customer_name: "Carl", mode: "view", outcome: "granted" },
        null,
        ok("granted_view"),
      ],
      [{ type: "consent", customer_name: "Carl", mode: "control", outcome: "granted" }, view, ok("granted_control")],
      [{ type: "consent", customer_name: "Carl", mode: "control", outcome: "denied" }, control, bad("denied")],
      [{ type: "consent", customer_name: "Dana", mode: "view", outcome: "timed_out" }, null, bad("timed_out", { customer: "Dana" })],
      [{ type: "consent", mode: "view", outcome: "maybe" }, view, null],
      [{ type: "cancelled", customer_name: "Carl" }, null, ok("cancelled")],
      [{ type: "cancelled" }, view, ok("cancelled")],
      [
        { type: "share_failed", customer_name: "Carl", message: "the window is gone" },
        null,
        bad("share_failed", { customer: "Carl", error: "the window is gone" }),
      ],
      [
        { type: "control_failed", customer_name: "Carl", message: "no consent" },
        null,
        bad("control_failed", { customer: "Carl", error: "no consent" }),
      ],
      // Not about the request.
      [{ type: "choose" }, view, null],
      ["state", view, null],
      [null, view, null],
    ];
    for (const [message, asked, expected] of table) {
      expect(appShare.statusAfter(message, asked), JSON.stringify([message, asked])).toEqual(expected);
    }
  });

  it("says what became of the request, from its answer", () => {
    const control = { mode: "control", id: "p1", customer: "Carl" };
    const carl = { customer: "Carl" };
    const table: [unknown, typeof control | null, ReturnType<Api["statusAfter"]>][] = [
      [{ asked: true, outcome: "granted", mode: "control", dialog: true }, control, { key: "granted_control", params: carl, error: false }],
      // Control of what is shared already: no dialog.
      [
        { asked: true, outcome: "granted", mode: "control", dialog: false, controlling: [7] },
        control,
        { key: "control_given", params: carl, error: false },
      ],
      [{ asked: true, outcome: "denied", mode: "control" }, control, { key: "denied", params: carl, error: true }],
      [{ asked: true, outcome: "timed_out", mode: "view" }, control, { key: "timed_out", params: carl, error: true }],
      [{ asked: true }, control, null],
      [{ asked: true, outcome: "granted", dialog: true }, null, null],
      [null, control, null],
    ];
    for (const [answer, asked, expected] of table) {
      expect(appShare.statusAfterAnswer(answer, asked), JSON.stringify(answer)).toEqual(expected);
    }
  });
});

describe("what a CSR shows the customer", () => {
  const opened = (stream: number, origin: string, extra: Record<string, unknown> = {}) => ({
    type: "opened",
    stream,
    source: "p-anna",
    source_name: "Anna",
    capability: "app.share",
    label: `window ${stream}`,
    origin,
    controller: null,
    ...extra,
  });

  it("offers what a CSR's agent or browser shows, not what the customer shares", () => {
    const shows = new customer.Shows("p-carl");
    expect(shows.opened(opened(1, "customer_agent"))).toBeNull();
    expect(shows.opened(opened(2, "csr_agent"))).toEqual({
      stream: 2,
      label: "window 2",
      source: "p-anna",
      csr: "Anna",
      origin: "csr_agent",
      controller: null,
      answer: "offered",
    });
    expect(shows.opened(opened(3, "csr_browser", { source_name: undefined, label: undefined }))).toMatchObject({
      stream: 3,
      csr: "",
      label: "",
    });
    // Told again (the panel reloaded): one offer.
    expect(shows.opened(opened(2, "csr_agent"))).toBeNull();
    // Not a stream event at all.
    expect(shows.opened({ type: "opened", origin: "csr_agent" })).toBeNull();
    expect(shows.opened(null)).toBeNull();
    expect(shows.list().map((entry) => entry.stream)).toEqual([2, 3]);
  });

  it("View, Not now and View again; nothing is viewed before View", () => {
    const shows = new customer.Shows("p-carl");
    shows.opened(opened(2, "csr_agent"));
    expect(shows.viewing(2)).toBe(false);
    expect(shows.answer(2, "declined")).toBe(true);
    expect(shows.list()[0].answer).toBe("declined");
    expect(shows.viewing(2)).toBe(false);
    // Not now is not final: View stays.
    expect(shows.answer(2, "viewing")).toBe(true);
    expect(shows.viewing(2)).toBe(true);
    // The same answer twice changes nothing; nonsense changes nothing.
    expect(shows.answer(2, "viewing")).toBe(false);
    expect(shows.answer(2, "maybe")).toBe(false);
    expect(shows.answer(9, "viewing")).toBe(false);
    // Hide.
    expect(shows.answer(2, "declined")).toBe(true);
    expect(shows.viewing(2)).toBe(false);
  });

  it("control: given to this customer, taken back, given to someone else", () => {
    const shows = new customer.Shows("p-carl");
    shows.opened(opened(2, "csr_agent"));
    expect(shows.mayControl(2)).toBe(false);
    expect(shows.control(2, "p-carl")?.change).toBe("given");
    expect(shows.mayControl(2)).toBe(true);
    // Told again: no change.
    expect(shows.control(2, "p-carl")?.change).toBeNull();
    expect(shows.control(2, null)?.change).toBe("taken");
    expect(shows.mayControl(2)).toBe(false);
    expect(shows.control(2, "p-carl")?.change).toBe("given");
    // Given to another customer instead: taken from this one.
    expect(shows.control(2, "p-dana")?.change).toBe("taken");
    expect(shows.list()[0].controller).toBe("p-dana");
    // Between other customers: nothing for this one.
    expect(shows.control(2, "p-erik")?.change).toBeNull();
    expect(shows.control(2, 42)?.change).toBeNull();
    expect(shows.list()[0].controller).toBeNull();
    // A stream not shown.
    expect(shows.control(9, "p-carl")).toBeNull();
  });

  it("a stream opened under this customer's control may be controlled at once; a browser share never", () => {
    const shows = new customer.Shows("p-carl");
    shows.opened(opened(2, "csr_agent", { controller: "p-carl" }));
    shows.opened(opened(3, "csr_browser", { controller: "p-carl" }));
    expect(shows.mayControl(2)).toBe(true);
    expect(shows.mayControl(3)).toBe(false);
    expect(shows.control(3, "p-carl")?.change).toBeNull();
  });

  it("control follows who the customer is (the context may come after the streams)", () => {
    const shows = new customer.Shows(null);
    shows.opened(opened(2, "csr_agent", { controller: "p-carl" }));
    expect(shows.mayControl(2)).toBe(false);
    shows.me = "p-carl";
    expect(shows.mayControl(2)).toBe(true);
  });

  it("a closed stream goes, with what it was", () => {
    const shows = new customer.Shows("p-carl");
    shows.opened(opened(2, "csr_agent", { controller: "p-carl" }));
    shows.answer(2, "viewing");
    expect(shows.closed(2)).toMatchObject({ stream: 2, answer: "viewing", csr: "Anna" });
    expect(shows.closed(2)).toBeNull();
    expect(shows.viewing(2)).toBe(false);
    expect(shows.mayControl(2)).toBe(false);
    expect(shows.list()).toEqual([]);
  });

  it("its words join the dialog's, every language", () => {
    const merged = customer.mergeStrings(appShare.strings.share, customer.strings);
    expect(Object.keys(merged).sort()).toEqual(["da", "en", "fr", "ja"]);
    expect(merged.en.title_view).toBe("Application view");
    expect(merged.en.shown_offer).toBe("{csr} is showing you “{label}”");
    // The two tables share no key: neither hides the other's words.
    const shared = Object.keys(customer.strings.en).filter((key) => key in appShare.strings.share.en);
    expect(shared).toEqual([]);
  });
});

describe("the panels' words", () => {
  const placeholders = (text: string) => (text.match(/\{\w+\}/g) ?? []).sort();
  const words = (text: string) =>
    text.replace(/\{\w+\}/g, "").split(/\s+/).filter((w) => /^\p{L}{2,}/u.test(w)).length;

  for (const [panel, tables] of Object.entries({ ...appShare.strings, shown: customer.strings })) {
    it(`${panel}: every language has every key with the same placeholders, translated`, () => {
      expect(Object.keys(tables).sort()).toEqual(["da", "en", "fr", "ja"]);
      const en = tables.en;
      for (const [language, table] of Object.entries(tables)) {
        expect(Object.keys(table).sort(), language).toEqual(Object.keys(en).sort());
        for (const [key, text] of Object.entries(table)) {
          expect(text.trim(), `${language} ${key}`).not.toBe("");
          expect(placeholders(text), `${language} ${key}`).toEqual(placeholders(en[key]));
          // Single words may be the same ("Stop" in Danish); sentences not.
          if (language !== "en" && words(en[key]) >= 2) expect(text, `${language} ${key}`).not.toBe(en[key]);
        }
      }
    });
  }

  it("the dialog's titles are the manual's words", () => {
    expect(appShare.strings.share.en.title_view).toBe("Application view");
    expect(appShare.strings.share.en.title_control).toBe("Application control");
    expect(appShare.strings.share.en.new_application).toBe("New application");
    expect(appShare.strings.share.en.select).toBe("Select application");
  });
});
