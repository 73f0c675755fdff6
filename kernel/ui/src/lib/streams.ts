// Streams as the pages see them: which streams are open (from
// `stream.opened` / `stream.closed`), and the stream frames that may pass
// between a plugin panel and the kernel's socket. The frame layout is the
// protocol's (sdk/protocol/src/stream.rs): a 12-byte big-endian header —
// version, kind, flags, reserved, stream id, sequence — and a payload.
// Pure code, no DOM: the panel bridge uses it and vitest tests it.
//
// A stream comes from a customer's agent (the customer shares with the
// CSRs) or from a CSR — their agent or their browser — showing the
// customers something. The console views the former; the customer's page
// views the latter once the customer chose to, and sends input on one only
// while the kernel names that customer the stream's controller.

import type { Capability, StreamId, StreamOrigin } from "./protocol.gen";

/** Where a stream's pictures come from (`stream.opened`'s `origin`). */
export type { StreamOrigin };

/** Whether a stream is a CSR showing something (its agent or its browser). */
export function isCsrOrigin(origin: StreamOrigin): boolean {
  return origin === "csr_agent" || origin === "csr_browser";
}

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;

/** Frame kinds (header byte 1). */
export const FrameKind = {
  Picture: 1,
  Input: 2,
  Ack: 3,
  KeyframeRequest: 4,
} as const;

/** Largest picture payload (the protocol's MAX_PICTURE_BYTES), and its prefix. */
const MAX_PICTURE_BYTES = 4 * 1024 * 1024;
const PICTURE_PREFIX_BYTES = 6;

/** Largest payload of each kind a panel may send as a viewer (the protocol's limits). */
const PANEL_PAYLOAD_LIMITS: Record<number, number> = {
  [FrameKind.Input]: 1024,
  [FrameKind.Ack]: 0,
  [FrameKind.KeyframeRequest]: 1,
};

const KEYFRAME_FLAG = 0b1;

export interface FrameHeader {
  version: number;
  kind: number;
  flags: number;
  stream: StreamId;
  sequence: number;
}

/** The header of a binary frame, or `null` when it is shorter than one. */
export function frameHeader(frame: ArrayBuffer): FrameHeader | null {
  if (frame.byteLength < FRAME_HEADER_BYTES) return null;
  const view = new DataView(frame);
  return {
    version: view.getUint8(0),
    kind: view.getUint8(1),
    flags: view.getUint8(2),
    stream: view.getUint32(4),
    sequence: view.getUint32(8),
  };
}

/**
 * The stream a frame from the kernel belongs to, or `null` when it is no
 * stream frame of the version this page speaks (it is then dropped).
 */
export function incomingStream(frame: ArrayBuffer): StreamId | null {
  const header = frameHeader(frame);
  if (!header || header.version !== FRAME_VERSION || header.stream === 0) return null;
  return header.stream;
}

/** Why a frame from a panel was not sent. */
export type DropReason =
  | "not_a_buffer"
  | "too_short"
  | "version"
  | "kind"
  | "flags"
  | "reserved"
  | "stream"
  | "too_large"
  /** The customer's page: a frame on a stream that is not a CSR's (its own, which it does not view). */
  | "not_viewed"
  /** The customer's page: input on a stream whose controller is not this customer. */
  | "not_in_control";

export type PanelFrameVerdict = { ok: true; frame: ArrayBuffer; header: FrameHeader } | { ok: false; reason: DropReason };

/**
 * Whether a panel's `frame` message may go out on the socket: an
 * `ArrayBuffer` holding a frame of this version, of a kind a viewer sends
 * (input, acknowledgement, keyframe request), on one of the streams its
 * plugin has open, within the protocol's size for that kind. The kernel
 * checks all of this again (and more: input only from the host under
 * control); the console checks first so a panel can address nothing but
 * its own plugin's streams.
 */
export function checkPanelFrame(data: unknown, openStreams: ReadonlySet<StreamId>): PanelFrameVerdict {
  if (!(data instanceof ArrayBuffer)) return { ok: false, reason: "not_a_buffer" };
  const header = frameHeader(data);
  if (!header) return { ok: false, reason: "too_short" };
  if (header.version !== FRAME_VERSION) return { ok: false, reason: "version" };
  const limit = PANEL_PAYLOAD_LIMITS[header.kind];
  if (limit === undefined) return { ok: false, reason: "kind" };
  if ((header.flags & ~KEYFRAME_FLAG) !== 0) return { ok: false, reason: "flags" };
  if (new DataView(data).getUint8(3) !== 0) return { ok: false, reason: "reserved" };
  if (!openStreams.has(header.stream)) return { ok: false, reason: "stream" };
  if (data.byteLength - FRAME_HEADER_BYTES > limit) return { ok: false, reason: "too_large" };
  return { ok: true, frame: data, header };
}

/**
 * Whether a console panel's frame may go out on the console's socket: a
 * viewer's frame as `checkPanelFrame` says, or — where the console itself
 * is the source, sharing from the browser (`csr_browser`, its participant
 * `me`) — a picture on that stream: the 6-byte picture prefix at least,
 * at most the protocol's 4 MiB, the keyframe flag the only one. The
 * kernel checks again that the console owns the stream.
 */
export function checkConsolePanelFrame(data: unknown, open: readonly StreamInfo[], me: string): PanelFrameVerdict {
  const header = data instanceof ArrayBuffer ? frameHeader(data) : null;
  if (!header || header.version !== FRAME_VERSION || header.kind !== FrameKind.Picture) {
    return checkPanelFrame(data, new Set(open.map((info) => info.stream)));
  }
  const frame = data as ArrayBuffer;
  if ((header.flags & ~KEYFRAME_FLAG) !== 0) return { ok: false, reason: "flags" };
  if (new DataView(frame).getUint8(3) !== 0) return { ok: false, reason: "reserved" };
  const info = open.find((candidate) => candidate.stream === header.stream);
  if (!info) return { ok: false, reason: "stream" };
  // A viewer sends no pictures: only the source, and this console is the
  // source of its own browser shares only.
  if (info.origin !== "csr_browser" || info.source !== me) return { ok: false, reason: "kind" };
  const size = frame.byteLength - FRAME_HEADER_BYTES;
  if (size < PICTURE_PREFIX_BYTES) return { ok: false, reason: "too_short" };
  if (size > MAX_PICTURE_BYTES) return { ok: false, reason: "too_large" };
  return { ok: true, frame, header };
}

/** An open stream, as `stream.opened` announced it (and `stream.control` updated it). */
export interface StreamInfo {
  session: string;
  stream: StreamId;
  /** The plugin that opened it: only its panels see the stream. */
  plugin: string;
  /** The participant whose computer (or browser) it comes from. */
  source: string;
  capability: Capability;
  label: string;
  origin: StreamOrigin;
  /** The customer who may control it now (CSR-sourced streams only), or `null`. */
  controller: string | null;
}

/**
 * `stream.opened` as it arrives: a kernel (or a `session.info` entry) of
 * before streams had an origin and a controller sends neither, and means a
 * customer's agent with no controller.
 */
export type StreamAnnouncement = Omit<StreamInfo, "origin" | "controller"> & {
  origin?: StreamOrigin | null;
  controller?: string | null;
};

/** The announcement with its defaults filled in. */
export function streamInfo(announced: StreamAnnouncement): StreamInfo {
  return {
    session: announced.session,
    stream: announced.stream,
    plugin: announced.plugin,
    source: announced.source,
    capability: announced.capability,
    label: announced.label,
    origin: announced.origin ?? "customer_agent",
    controller: announced.controller ?? null,
  };
}

/** Why a frame from the kernel does not reach the customer's panels. */
export type CustomerDropReason = "not_a_frame" | "unknown_stream" | "not_viewed" | "not_a_picture";

export type CustomerFrameRoute = { ok: true; info: StreamInfo } | { ok: false; reason: CustomerDropReason };

/**
 * Where a frame from the kernel goes on the customer's page: only pictures
 * of a stream a CSR shows (in a session the page knows) reach the panels of
 * the plugin that opened it. The kernel sends a customer's page nothing
 * else; anything else that came would be dropped here (and counted).
 */
export function routeCustomerFrame(frame: ArrayBuffer, table: StreamTable): CustomerFrameRoute {
  const stream = incomingStream(frame);
  if (stream === null) return { ok: false, reason: "not_a_frame" };
  const info = table.get(stream);
  if (!info) return { ok: false, reason: "unknown_stream" };
  if (!isCsrOrigin(info.origin)) return { ok: false, reason: "not_viewed" };
  if (frameHeader(frame)?.kind !== FrameKind.Picture) return { ok: false, reason: "not_a_picture" };
  return { ok: true, info };
}

/**
 * Whether a customer panel's frame may go out on the customer's socket:
 * what any panel may send (`checkPanelFrame`, over its plugin's open
 * streams), on a stream a CSR shows (acknowledgements and keyframe
 * requests: the first keyframe request is the customer's "View"), and input
 * only while the stream's controller is `me`. The kernel checks it all
 * again; the page checks first so a panel can neither address the
 * customer's own shares nor send input it was not given control for.
 */
export function checkCustomerPanelFrame(data: unknown, open: readonly StreamInfo[], me: string): PanelFrameVerdict {
  const verdict = checkPanelFrame(data, new Set(open.map((info) => info.stream)));
  if (!verdict.ok) return verdict;
  const info = open.find((candidate) => candidate.stream === verdict.header.stream);
  if (!info || !isCsrOrigin(info.origin)) return { ok: false, reason: "not_viewed" };
  if (verdict.header.kind === FrameKind.Input && info.controller !== me) return { ok: false, reason: "not_in_control" };
  return verdict;
}

/**
 * The streams a page knows to be open, across all its sessions: a console
 * keeps those of sessions it is not showing, so switching views loses
 * none. Stream ids are unique on the kernel, so they key the table.
 */
export class StreamTable {
  private readonly streams = new Map<StreamId, StreamInfo>();

  /** Returns what is kept (the defaults filled in). */
  opened(announced: StreamAnnouncement): StreamInfo {
    const info = streamInfo(announced);
    this.streams.set(info.stream, info);
    return { ...info };
  }

  /**
   * `stream.control`: who controls a stream now. Returns the updated
   * stream, or `undefined` when it is not known (closed meanwhile).
   */
  control(stream: StreamId, controller: string | null): StreamInfo | undefined {
    const info = this.streams.get(stream);
    if (!info) return undefined;
    info.controller = controller;
    return { ...info };
  }

  /** Forgets a stream that closed; returns what it was, if it was known. */
  closed(stream: StreamId): StreamInfo | undefined {
    const info = this.streams.get(stream);
    this.streams.delete(stream);
    return info;
  }

  get(stream: StreamId): StreamInfo | undefined {
    return this.streams.get(stream);
  }

  /** The open streams of `session`, of `plugin` only when it is given, oldest first. */
  of(session: string, plugin?: string): StreamInfo[] {
    return [...this.streams.values()].filter((s) => s.session === session && (plugin === undefined || s.plugin === plugin));
  }

  /** The ids of `plugin`'s open streams in `session` (what its panels may send on). */
  idsOf(session: string, plugin: string): Set<StreamId> {
    return new Set(this.of(session, plugin).map((s) => s.stream));
  }

  /** Forgets every stream of `session` (its view closed or it ended); returns them. */
  forgetSession(session: string): StreamInfo[] {
    const gone = this.of(session);
    for (const info of gone) this.streams.delete(info.stream);
    return gone;
  }
}
