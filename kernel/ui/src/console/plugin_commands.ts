// Plugin commands from the console's panels: over the console's WebSocket,
// or over REST when the payload is too large for a control message (a
// script upload of up to 1 MB per file).

import { api } from "../lib/api";
import type { JsonValue } from "../lib/protocol.gen";
import type { ConsoleConnection } from "./types";

/** Control messages are at most 64 KiB; leave room for the envelope. */
const LARGEST_SOCKET_PAYLOAD = 48 * 1024;

export function sendPluginCommand(
  connection: ConsoleConnection,
  session: string | null,
  plugin: string,
  name: string,
  payload: JsonValue,
): Promise<unknown> {
  const size = new Blob([JSON.stringify(payload ?? null)]).size;
  if (size > LARGEST_SOCKET_PAYLOAD) {
    return api.post(`/api/plugins/${encodeURIComponent(plugin)}/commands`, {
      name,
      payload,
      ...(session ? { session } : {}),
    });
  }
  return connection.request("plugin.command", { ...(session ? { session } : {}), plugin, name, payload });
}
