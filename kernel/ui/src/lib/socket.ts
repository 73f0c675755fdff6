// The kernel's WebSocket protocol (sdk/protocol/README.md): JSON envelopes
// `{v, id, type, body}`; every request gets one reply carrying `re`,
// events come without it. Binary messages are stream frames (pictures in,
// acknowledgements, keyframe requests and input out), passed through as
// `ArrayBuffer`s without being looked into here. Request and event bodies are typed by
// protocol.gen.ts (generated from the Rust types), so a renamed field is a
// compile error here instead of a refusal at run time.

import { detailOf } from "./detail";
import type { Detail, ErrorCode, ParticipantInfo, ServerEvent } from "./protocol.gen";

export const PROTOCOL_VERSION = 1;

/** A participant as the kernel describes it (the old name, kept for call sites). */
export type Participant = ParticipantInfo;

/** One request union from protocol.gen.ts (`ConsoleRequest`, `CustomerRequest`). */
export type RequestUnion = { type: string; body: unknown };

/** The body a request of type `K` must carry. */
export type RequestBody<R extends RequestUnion, K extends R["type"]> = Extract<R, { type: K }>["body"];

export type EventType = ServerEvent["type"];

/** The body of the event of type `K`. */
export type EventBody<K extends EventType> = Extract<ServerEvent, { type: K }>["body"];

/**
 * What a map `M` of reply bodies by request type must look like. Replies
 * are plain JSON the kernel builds (not generated), so each client declares
 * the ones it reads; a key that is not a request type of `R` (say, a
 * renamed request) is an error.
 */
export type ReplyMap<R extends RequestUnion, M> = { [K in keyof M]: K extends R["type"] ? unknown : never };

type Reply<M, K> = K extends keyof M ? M[K] : unknown;

// Every code has to be listed here (a `Record` over the union), so a code
// added in Rust cannot be silently mapped to "internal".
const ERROR_CODES: Record<ErrorCode, true> = {
  malformed: true,
  too_large: true,
  unauthenticated: true,
  forbidden: true,
  not_found: true,
  conflict: true,
  limit: true,
  rate_limited: true,
  no_consent: true,
  unavailable: true,
  plugin_error: true,
  internal: true,
};

/** A code from the wire (or REST); anything unknown counts as `internal`. */
export function errorCode(value: unknown): ErrorCode {
  // `Object.hasOwn` does not narrow `value`; it has just been checked.
  return typeof value === "string" && Object.hasOwn(ERROR_CODES, value) ? (value as ErrorCode) : "internal";
}

/**
 * A refusal from the kernel: `code` is one of the protocol's error codes,
 * `message` its English sentence, `detail` (where sent) the same for the
 * UI to say in its language.
 */
export class KernelError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: Detail,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (body: unknown) => void;
  reject: (error: KernelError) => void;
}

/** An envelope as it arrives, before it is known to be a reply or an event. */
interface Incoming {
  re?: number | null;
  type?: unknown;
  body?: unknown;
}

/**
 * One WebSocket to the kernel, with request/reply matching. `R` is the
 * request union this client may send; `Replies` names the reply bodies it
 * reads (others resolve as `unknown`).
 */
export class Connection<R extends RequestUnion, Replies extends ReplyMap<R, Replies> = {}> {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private handlers = new Map<string, ((body: unknown) => void)[]>();
  private closeHandlers: ((code: number, reason: string) => void)[] = [];
  private binaryHandlers: ((frame: ArrayBuffer) => void)[] = [];

  constructor(private readonly path: string) {}

  /** Opens the socket; resolves once it is open. */
  open(): Promise<void> {
    const url = new URL(this.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
    // Frames arrive as ArrayBuffers, which a panel can be handed (transferred) as they are.
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("message", (event) => this.receive(event.data));
      socket.addEventListener("close", (event) => {
        for (const pending of this.pending.values()) {
          pending.reject(new KernelError("unavailable", event.reason || "connection closed"));
        }
        this.pending.clear();
        reject(new KernelError("unavailable", event.reason || "connection closed"));
        for (const handler of this.closeHandlers) handler(event.code, event.reason);
      });
    });
  }

  get isOpen(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  /** Sends a request; resolves with the reply body or rejects with the refusal. */
  request<K extends R["type"]>(type: K, body: RequestBody<R, K>): Promise<Reply<Replies, K>> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new KernelError("unavailable", "not connected"));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The reply is JSON from the kernel; `Replies` states what it holds.
      this.pending.set(id, { resolve: (reply) => resolve(reply as Reply<Replies, K>), reject });
      socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, body }));
    });
  }

  /** Calls `handler` with the body of every `type` event. */
  on<K extends EventType>(type: K, handler: (body: EventBody<K>) => void): void {
    const list = this.handlers.get(type) ?? [];
    // Kept by type, so a handler is only ever called with its own event's body.
    list.push(handler as (body: unknown) => void);
    this.handlers.set(type, list);
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  /** Calls `handler` with every binary message (a stream frame). */
  onBinary(handler: (frame: ArrayBuffer) => void): void {
    this.binaryHandlers.push(handler);
  }

  /**
   * Sends a stream frame as a binary message; `false` when not connected
   * (the frame is then lost, as frames are: the viewer asks again).
   */
  sendBinary(frame: ArrayBuffer): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(frame);
    return true;
  }

  close(): void {
    this.socket?.close(1000);
  }

  private receive(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      for (const handler of this.binaryHandlers) handler(data);
      return;
    }
    if (typeof data !== "string") return;
    let message: Incoming;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message !== "object" || message === null) return;
    if (typeof message.re === "number") {
      const pending = this.pending.get(message.re);
      if (!pending) return;
      this.pending.delete(message.re);
      if (message.type === "error") {
        const refusal: { code?: unknown; message?: unknown; detail?: unknown } = typeof message.body === "object" && message.body !== null ? message.body : {};
        pending.reject(new KernelError(errorCode(refusal.code), typeof refusal.message === "string" ? refusal.message : "", detailOf(refusal.detail)));
      } else {
        pending.resolve(message.body);
      }
      return;
    }
    if (typeof message.type !== "string") return;
    for (const handler of this.handlers.get(message.type) ?? []) handler(message.body ?? {});
  }
}
