// The UI's envelopes against protocol.gen.ts (generated from the Rust
// types). `tsc` checks the typed parts — a renamed field or request type
// fails `npm run build` — and these tests run what socket.ts really sends
// and dispatches, over a fake WebSocket.

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ConsoleConnection } from "../console/types";
import { en, type StringKey } from "../strings/en";
import type { ConsoleRequest, CustomerRequest, ErrorCode, ServerEvent } from "./protocol.gen";
import { Connection, KernelError, PROTOCOL_VERSION, errorCode, type EventBody } from "./socket";

type Listener = (event: { data?: string; code?: number; reason?: string }) => void;

/** Stands in for the browser's WebSocket: records what is sent, plays the kernel. */
class FakeSocket {
  static readonly OPEN = 1;
  static latest: FakeSocket;
  readyState = 0;
  readonly sent: unknown[] = [];
  private readonly listeners = new Map<string, Listener[]>();

  constructor(readonly url: URL) {
    FakeSocket.latest = this;
  }

  addEventListener(type: string, listener: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {}

  open(): void {
    this.readyState = FakeSocket.OPEN;
    for (const listener of this.listeners.get("open") ?? []) listener({});
  }

  /** A frame from the kernel. */
  deliver(message: object): void {
    for (const listener of this.listeners.get("message") ?? []) listener({ data: JSON.stringify(message) });
  }
}

async function connect(connection: { open(): Promise<void> }): Promise<FakeSocket> {
  const opened = connection.open();
  FakeSocket.latest.open();
  await opened;
  return FakeSocket.latest;
}

// Bodies as the console and the customer page build them.
const consoleSends = [
  { type: "session.start", body: {} },
  { type: "session.info", body: { session: "123456789" } },
  { type: "session.select_customer", body: { session: "123456789", participant: "p2" } },
  { type: "session.pass_control", body: { session: "123456789", to: "p3" } },
  { type: "chat.send", body: { session: "123456789", text: "Hello" } },
  { type: "plugin.command", body: { plugin: "scripts", name: "list", payload: null } },
] satisfies ConsoleRequest[];

const customerSends = [
  { type: "chat.send", body: { text: "Hi" } },
  { type: "consent.answer", body: { request: "r1", granted: true } },
  { type: "consent.revoke", body: { grant: "g1" } },
  { type: "session.leave", body: {} },
] satisfies CustomerRequest[];

/** Every error code has its words (`describe` looks them up by this key). */
function codeKey(code: ErrorCode): StringKey {
  return `error.${code}`;
}

describe("the WebSocket protocol", () => {
  beforeEach(() => {
    vi.stubGlobal("window", { location: { href: "https://help.example/" } });
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("sends requests as versioned envelopes with their typed bodies", async () => {
    const csr: ConsoleConnection = new Connection("/ws/console");
    const socket = await connect(csr);
    expect(socket.url.href).toBe("wss://help.example/ws/console");
    for (const { type, body } of consoleSends) void csr.request(type, body);
    expect(socket.sent).toEqual(consoleSends.map((envelope, i) => ({ v: PROTOCOL_VERSION, id: i + 1, ...envelope })));

    const customer = new Connection<CustomerRequest>("/ws/customer?token=t");
    const customerSocket = await connect(customer);
    for (const { type, body } of customerSends) void customer.request(type, body);
    expect(customerSocket.sent).toEqual(customerSends.map((envelope, i) => ({ v: PROTOCOL_VERSION, id: i + 1, ...envelope })));
  });

  it("resolves replies and rejects refusals with their error code", async () => {
    const csr: ConsoleConnection = new Connection("/ws/console");
    const socket = await connect(csr);
    const info = csr.request("session.info", { session: "123456789" });
    socket.deliver({ v: 1, re: 1, type: "ok", body: { session: "123456789", mode: "single", host: "p1", participants: [] } });
    expect((await info).mode).toBe("single");

    const refused = csr.request("session.end", { session: "123456789" });
    socket.deliver({ v: 1, re: 2, type: "error", body: { code: "forbidden", message: "host only" } });
    await expect(refused).rejects.toEqual(new KernelError("forbidden", "host only"));

    const odd = csr.request("session.leave", { session: "123456789" });
    socket.deliver({ v: 1, re: 3, type: "error", body: { code: "teapot" } });
    await expect(odd).rejects.toMatchObject({ code: "internal" });
  });

  it("dispatches events to the handlers of their type, with their body", async () => {
    const customer = new Connection<CustomerRequest>("/ws/customer?token=t");
    const socket = await connect(customer);
    const joined: EventBody<"participant.joined">[] = [];
    const prompts: string[] = [];
    customer.on("participant.joined", (body) => joined.push(body));
    customer.on("consent.prompt", (body) => prompts.push(body.texts?.fr ?? body.text));

    const events = [
      { type: "participant.joined", body: { session: "123456789", participant: { id: "p2", display_name: "Anna", role: "customer" } } },
      {
        type: "consent.prompt",
        body: { session: "123456789", request: "r1", plugin: "sysinfo", capabilities: ["sysinfo.collect"], text: "Read?", texts: { fr: "Lire ?" }, detail: null, page_open: true },
      },
      { type: "session.ended", body: { session: "123456789", reason: "ended by the host" } },
    ] satisfies ServerEvent[];
    for (const event of events) socket.deliver({ v: 1, ...event });

    expect(joined).toEqual([events[0].body]);
    expect(prompts).toEqual(["Lire ?"]);
  });

  it("refuses what a client may not send, at compile time", async () => {
    const csr: ConsoleConnection = new Connection("/ws/console");
    const customer = new Connection<CustomerRequest>("/ws/customer?token=t");
    // Not opened: each request is refused at run time as well.
    // @ts-expect-error the console's chat names its session
    await expect(csr.request("chat.send", { text: "Hello" })).rejects.toThrow(KernelError);
    // @ts-expect-error customers cannot start sessions
    await expect(customer.request("session.start", {})).rejects.toThrow(KernelError);
    // @ts-expect-error the field is `request`, not `prompt`
    await expect(customer.request("consent.answer", { prompt: "r1", granted: true })).rejects.toThrow(KernelError);
    // @ts-expect-error replies are declared only for request types the client has
    expect(new Connection<ConsoleRequest, { "session.begin": unknown }>("/ws/console").isOpen).toBe(false);
  });

  it("knows every error code and falls back to internal", () => {
    expect(errorCode("no_consent")).toBe("no_consent");
    expect(errorCode("constructor")).toBe("internal");
    expect(errorCode(404)).toBe("internal");
    expect(en[codeKey("rate_limited")]).toBeTruthy();
  });
});
