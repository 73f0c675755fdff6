// The kernel's WebSocket protocol (sdk/protocol/README.md): JSON envelopes
// `{v, id, type, body}`; every request gets one reply carrying `re`,
// events come without it.

export const PROTOCOL_VERSION = 1;

export interface Participant {
  id: string;
  display_name: string;
  role: string;
}

/** A refusal from the kernel: `code` is one of the protocol's error codes. */
export class KernelError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Handler = (body: any) => void;

interface Pending {
  resolve: (body: any) => void;
  reject: (error: KernelError) => void;
}

/** One WebSocket to the kernel, with request/reply matching. */
export class Connection {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private handlers = new Map<string, Handler[]>();
  private closeHandlers: ((code: number, reason: string) => void)[] = [];

  constructor(private readonly path: string) {}

  /** Opens the socket; resolves once it is open. */
  open(): Promise<void> {
    const url = new URL(this.path, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url);
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
  request<T = any>(type: string, body: unknown = {}): Promise<T> {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new KernelError("unavailable", "not connected"));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, body }));
    });
  }

  /** Calls `handler` with the body of every `type` event. */
  on(type: string, handler: Handler): void {
    const list = this.handlers.get(type) ?? [];
    list.push(handler);
    this.handlers.set(type, list);
  }

  onClose(handler: (code: number, reason: string) => void): void {
    this.closeHandlers.push(handler);
  }

  close(): void {
    this.socket?.close(1000);
  }

  private receive(data: unknown): void {
    if (typeof data !== "string") return;
    let message: { re?: number | null; type?: string; body?: any };
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (typeof message.re === "number") {
      const pending = this.pending.get(message.re);
      if (!pending) return;
      this.pending.delete(message.re);
      if (message.type === "error") {
        pending.reject(new KernelError(message.body?.code ?? "internal", message.body?.message ?? ""));
      } else {
        pending.resolve(message.body);
      }
      return;
    }
    if (typeof message.type !== "string") return;
    for (const handler of this.handlers.get(message.type) ?? []) handler(message.body ?? {});
    for (const handler of this.handlers.get("*") ?? []) handler(message);
  }
}
