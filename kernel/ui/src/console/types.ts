// What the kernel tells the console about a session, and the console's
// connection: it sends `ConsoleRequest`s and reads these replies.

import type { ConsoleRequest, JsonValue } from "../lib/protocol.gen";
import type { Connection, Participant } from "../lib/socket";
import type { AgentCode } from "../lib/panels";
import type { StreamInfo } from "../lib/streams";

export interface SessionInfo {
  session: string;
  /** The console's own participant id in the session. */
  participant: string;
  mode: "single" | "multi";
  host?: string | null;
  selected_customer?: string | null;
  participants?: Participant[];
  join_link?: string;
  /** What is shared in the session now (as `stream.opened` says it). */
  streams?: StreamInfo[];
}

export interface Invitation {
  subject: string;
  body: string;
  mailto: string;
}

/**
 * The replies the console reads (sdk/protocol/README.md; replies are not
 * generated). `session.info` does not name the console's own participant.
 */
export interface ConsoleReplies {
  "session.start": SessionInfo & { invite_customer: Invitation };
  "session.assist": SessionInfo;
  "session.resume": SessionInfo;
  "session.info": Omit<SessionInfo, "participant">;
  "agent.code": AgentCode;
  /** The offering plugin's reply to the answer. */
  "offer.answer": JsonValue;
  /** What the kernel says back; the console reads a presence from it where there is one (`presence.changed` says it anyway). */
  "presence.set": unknown;
}

export type ConsoleConnection = Connection<ConsoleRequest, ConsoleReplies>;
