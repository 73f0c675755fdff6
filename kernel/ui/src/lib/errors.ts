// A refusal in words: the localised meaning of its code, then the
// kernel's own detail (which names the exact field or limit).

import type { StringKey } from "../strings/en";
import { t } from "./i18n";

const KNOWN = new Set([
  "malformed",
  "too_large",
  "unauthenticated",
  "forbidden",
  "not_found",
  "conflict",
  "limit",
  "rate_limited",
  "no_consent",
  "unavailable",
  "plugin_error",
  "internal",
]);

export function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const detail = (error as { message?: unknown })?.message;
  const known = typeof code === "string" && KNOWN.has(code);
  const summary = t((known ? `error.${code}` : "error.internal") as StringKey);
  return typeof detail === "string" && detail ? `${summary} (${detail})` : summary;
}
