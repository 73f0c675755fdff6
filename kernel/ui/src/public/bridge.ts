// A public panel's commands: `panel.command(name, payload)` becomes
// `POST /api/public/{plugin}/{site}/commands` with a `PublicCommand`
// (the page named by the address goes along). The panel gets the plugin's
// `reply` and nothing else: when the plugin opened a waiting session for
// the customer, the kernel's `join` (the customer's token, which the
// plugin never sees) stays with this page, which keeps the place as the
// customer page does and takes the customer there.

import { KernelError } from "../lib/socket";
import type { CommandSender } from "../lib/panels";
import type { JsonValue, PublicCommand, PublicJoin, PublicReply } from "../lib/protocol.gen";
import { placeOf, type Place } from "../customer/place";
import type { PublicPageContext } from "./context";

export interface PublicBridgeOptions {
  /** Sends the command (a REST `POST` with the body as JSON); resolves with the reply body. */
  post(path: string, body: PublicCommand): Promise<unknown>;
  /** Keeps the customer's place for the customer page; whether it could. */
  handOver(place: Place): boolean;
  /** Goes to the customer page. */
  navigate(path: string): void;
  /** The place could not be kept: the page says so (the customer page could not connect). */
  notKept(): void;
}

/** Where the plugin's public commands go. */
export function commandPath(context: Pick<PublicPageContext, "plugin" | "site">): string {
  return `/api/public/${encodeURIComponent(context.plugin)}/${encodeURIComponent(context.site)}/commands`;
}

function isJoin(value: unknown): value is PublicJoin {
  if (typeof value !== "object" || value === null) return false;
  const { session, participant, token } = value as Record<string, unknown>;
  return [session, participant, token].every((part) => typeof part === "string" && part.length > 0);
}

/** A `PublicReply` from the wire; a body that is not one is the server's fault. */
export function readPublicReply(value: unknown): PublicReply {
  if (typeof value !== "object" || value === null || !("reply" in value)) {
    throw new KernelError("internal", "the server's answer to the command is not a reply");
  }
  const { reply, join } = value as { reply: JsonValue; join?: unknown };
  if (join === undefined || join === null) return { reply };
  if (!isJoin(join)) throw new KernelError("internal", "the server's answer names a session it cannot be joined by");
  return { reply, join };
}

/** The customer page's address for `session`. */
export function joinPath(session: string): string {
  return `/join/${encodeURIComponent(session)}`;
}

/**
 * The panel's command sender. A reply with `join` keeps the place and,
 * once the panel has its reply, goes to the customer page.
 */
export function publicCommandSender(context: PublicPageContext, options: PublicBridgeOptions): CommandSender {
  return async (_plugin, name, payload) => {
    // The context's plugin, whatever the frame says: this page serves one.
    const answer = readPublicReply(await options.post(commandPath(context), { name, page: context.page, payload }));
    if (answer.join) {
      const session = answer.join.session;
      if (options.handOver(placeOf(answer.join))) {
        // After the panel's `result` is posted (the frame then goes with the page).
        setTimeout(() => options.navigate(joinPath(session)), 0);
      } else {
        options.notKept();
      }
    }
    return answer.reply;
  };
}
