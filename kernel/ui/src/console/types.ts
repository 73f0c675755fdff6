// What the kernel tells the console about a session.

import type { Participant } from "../lib/socket";

export interface SessionInfo {
  session: string;
  /** The console's own participant id in the session. */
  participant: string;
  mode: "single" | "multi";
  host?: string | null;
  selected_customer?: string | null;
  participants?: Participant[];
  join_link?: string;
}

export interface Invitation {
  subject: string;
  body: string;
  mailto: string;
}
