// Helpers for the unit tests that run against a DOM (happy-dom): quiet
// panel frames, axe-core's audit, and a WebSocket the test plays the
// kernel on. Not shipped: only the tests import this.

import nodeConsole from "node:console";
import axe from "axe-core";
import { vi } from "vitest";

/**
 * happy-dom loads no frame documents and says so on Node's own console
 * for every panel frame; those lines are expected and dropped, anything
 * else is still printed.
 */
export function quietFrames(): void {
  const print = nodeConsole.error.bind(nodeConsole);
  vi.spyOn(nodeConsole, "error").mockImplementation((...args: unknown[]) => {
    if (args.some((arg) => String(arg).includes("Iframe page loading is disabled"))) return;
    print(...args);
  });
}

/**
 * A stand-in for a panel frame's window: what the page posts to the panel
 * is collected (the frame itself loads nothing here).
 */
export function panelWindow(iframe: HTMLIFrameElement): { type?: unknown; [key: string]: unknown }[] {
  const posted: { type?: unknown; [key: string]: unknown }[] = [];
  Object.defineProperty(iframe, "contentWindow", {
    configurable: true,
    value: { postMessage: (message: { type?: unknown }) => posted.push(message) },
  });
  return posted;
}

/**
 * What axe-core finds critical or serious under `root` (WCAG 2.1 A and
 * AA and best practices, as the browser tests run it). Colour contrast
 * needs a layout, which happy-dom has not, and panel frames load nothing
 * here: the browser tests check both.
 */
export async function seriousViolations(root: Element = document.body): Promise<string[]> {
  const result = await axe.run(root, {
    iframes: false,
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    rules: { "color-contrast": { enabled: false } },
  });
  return result.violations
    .filter((violation) => violation.impact === "critical" || violation.impact === "serious")
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(" ")).join(", ")}`);
}

type Reply = { ok: true; body: unknown } | { ok: false; code: string; message: string; detail?: unknown };

/**
 * A WebSocket whose other end is the test: requests are answered by
 * `answer` (by type), events are pushed with `push`. Installed as the
 * global `WebSocket` by `installFakeSocket`.
 */
export class FakeSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static last: FakeSocket | null = null;
  static answers: Record<string, (body: unknown) => Reply> = {};

  readyState = FakeSocket.CONNECTING;
  binaryType = "blob";
  readonly sent: { type: string; body: unknown }[] = [];

  readonly url: string;

  constructor(url: string | URL) {
    super();
    this.url = String(url);
    FakeSocket.last = this;
    setTimeout(() => {
      this.readyState = FakeSocket.OPEN;
      this.dispatchEvent(new Event("open"));
    }, 0);
  }

  send(data: string | ArrayBuffer): void {
    if (typeof data !== "string") return;
    const request = JSON.parse(data) as { id: number; type: string; body: unknown };
    this.sent.push({ type: request.type, body: request.body });
    const answer = FakeSocket.answers[request.type];
    const reply: Reply = answer ? answer(request.body) : { ok: true, body: {} };
    const envelope = reply.ok
      ? { v: 1, re: request.id, type: request.type, body: reply.body }
      : { v: 1, re: request.id, type: "error", body: { code: reply.code, message: reply.message, detail: reply.detail } };
    setTimeout(() => this.receive(envelope), 0);
  }

  /** An event from the kernel. */
  push(type: string, body: unknown): void {
    this.receive({ v: 1, type, body });
  }

  close(code = 1000, reason = ""): void {
    this.readyState = FakeSocket.CLOSED;
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason }));
  }

  private receive(message: unknown): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }
}

export function installFakeSocket(): void {
  FakeSocket.last = null;
  FakeSocket.answers = {};
  vi.stubGlobal("WebSocket", FakeSocket);
}

/** Lets the fake socket's and the page's pending tasks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
}
