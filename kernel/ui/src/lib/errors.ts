// A refusal in words: the localised meaning of its code, then the
// kernel's own detail (which names the exact field or limit).

import { en, type StringKey } from "../strings/en";
import { t } from "./i18n";

export function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const detail = (error as { message?: unknown })?.message;
  // Every protocol error code has its `error.<code>` string.
  const key = `error.${String(code)}`;
  const summary = t(key in en ? (key as StringKey) : "error.internal");
  return typeof detail === "string" && detail ? `${summary} (${detail})` : summary;
}
