// A refusal in words: the localised meaning of its code, then its detail
// (which names the exact field or limit) in the same language where the
// kernel sent one this UI knows, in the kernel's English otherwise.

import { en, type StringKey } from "../strings/en";
import { activityEndStringKey, detailOf, detailParams, detailStringKey } from "./detail";
import { t } from "./i18n";
import type { Detail } from "./protocol.gen";

/** A detail in the current language. */
export function detailText(detail: Detail): string {
  const params = detailParams(detail);
  // Why an activity ended is a word of ours too, not a value.
  if (detail.key === "activity_stopped" || detail.key === "activity_undone") {
    params.reason = t(activityEndStringKey(detail.params.reason));
  }
  return t(detailStringKey(detail.key), params);
}

/** The detail of a refusal or an ending: translated when known, else `fallback` (English). */
export function detailOr(detail: unknown, fallback: string): string {
  const known = detailOf(detail);
  return known ? detailText(known) : fallback;
}

export function describe(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  const message = (error as { message?: unknown })?.message;
  // Every protocol error code has its `error.<code>` string.
  const key = `error.${String(code)}`;
  const summary = t(key in en ? (key as StringKey) : "error.internal");
  const detail = detailOr((error as { detail?: unknown })?.detail, typeof message === "string" ? message : "");
  return detail ? `${summary} (${detail})` : summary;
}
