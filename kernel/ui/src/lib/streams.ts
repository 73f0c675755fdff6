// Streams as the pages see them: which streams are open (from
// `stream.opened` / `stream.closed`), and the stream frames that may pass
// between a plugin panel and the kernel's socket. The frame layout is the
// protocol's (sdk/protocol/src/stream.rs): a 12-byte big-endian header —
// version, kind, flags, reserved, stream id, sequence — and a payload.
// Pure code, no DOM: the panel bridge uses it and vitest tests it.

import type { Capability, StreamId } from "./protocol.gen";

export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 12;

/** Frame kinds (header byte 1). */
export const FrameKind = {
  Picture: 1,
  Input: 2,
  Ack: 3,
  KeyframeRequest: 4,
} as const;

/** Largest payload of each kind a panel may send (the protocol's limits). */
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
  | "too_large";

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

/** An open stream, as `stream.opened` announced it. */
export interface StreamInfo {
  session: string;
  stream: StreamId;
  /** The plugin that opened it: only its panels see the stream. */
  plugin: string;
  /** The customer whose computer it comes from. */
  source: string;
  capability: Capability;
  label: string;
}

/**
 * The streams a page knows to be open, across all its sessions: a console
 * keeps those of sessions it is not showing, so switching views loses
 * none. Stream ids are unique on the kernel, so they key the table.
 */
export class StreamTable {
  private readonly streams = new Map<StreamId, StreamInfo>();

  opened(info: StreamInfo): void {
    this.streams.set(info.stream, { ...info });
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
