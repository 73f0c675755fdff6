// A refusal's detail (the protocol's `Detail`): a key and its values that
// the UI says in its own language. The kernel's English sentence travels
// beside it and is what a detail this UI does not know falls back to.

import type { ActivityEnd, Detail } from "./protocol.gen";
import type { StringKey } from "../strings/en";

export type DetailKey = Detail["key"];

// Every key has to be listed (a `Record` over the union), so a detail
// added in Rust is a compile error here until it has its strings.
export const DETAIL_KEYS: Record<DetailKey, true> = {
  unknown_session: true,
  no_such_customer: true,
  no_such_participant: true,
  control_only_to_csr: true,
  site_not_configured: true,
  already_in_session: true,
  invalid_name: true,
  too_many_join_attempts: true,
  too_many_joins: true,
  invalid_join_credential: true,
  agent_needs_code: true,
  agent_already_connected: true,
  answer_on_the_page: true,
  no_such_stream: true,
  no_such_question: true,
  not_host: true,
  host_cannot_leave: true,
  host_cannot_be_removed: true,
  multi_session_taken: true,
  too_many_customers: true,
  no_session_report: true,
  too_many_messages: true,
  storage_unavailable: true,
  storage_failed: true,
  wrong_credentials: true,
  too_many_sign_ins: true,
  sign_ins_busy: true,
  not_signed_in: true,
  username_taken: true,
  invalid_username: true,
  invalid_display_name: true,
  password_too_short: true,
  password_too_common: true,
  password_unchanged: true,
  wrong_current_password: true,
  account_disabled: true,
  password_change_required: true,
  not_on_your_own_account: true,
  no_such_account: true,
  two_factor_code_needed: true,
  wrong_two_factor_code: true,
  two_factor_code_used: true,
  two_factor_enrolment_required: true,
  two_factor_required_by_site: true,
  no_two_factor_enrolment: true,
  two_factor_already_on: true,
  no_such_permission: true,
  invalid_mail_address: true,
  no_mail_server: true,
  mail_not_sent: true,
  message_empty: true,
  message_too_long: true,
  message_too_large: true,
  csrf_token_missing: true,
  unknown_plugin: true,
  plugin_not_enabled: true,
  plugin_suspended: true,
  plugin_busy: true,
  plugin_timed_out: true,
  plugin_out_of_memory: true,
  plugin_crashed: true,
  plugin_failed: true,
  site_name_missing: true,
  site_name_too_long: true,
  site_max_customers: true,
  site_retention_too_long: true,
  site_plugin_not_loaded: true,
  site_plugins_all_and_some: true,
  site_plugin_listed_twice: true,
  activity_stopped: true,
  activity_undone: true,
  another_helper_took_over: true,
  ended_by: true,
  host_did_not_return: true,
  you_left: true,
  removed_by: true,
  did_not_connect_in_time: true,
  transferred_to: true,
  account_closed: true,
  waiting_for_csr: true,
  offer_not_open: true,
  offer_answered_already: true,
};

// Why the kernel ended an activity: a value said in words, so each has
// its `activity_end.<reason>` string (checked by the compiler, as above).
export const ACTIVITY_ENDS: Record<ActivityEnd, true> = {
  control_passed: true,
  customer_selected: true,
  consent_withdrawn: true,
  session_ended: true,
  participant_left: true,
  agent_disconnected: true,
  transferred: true,
};

/** The dictionary key of an activity's end reason. */
export function activityEndStringKey(reason: ActivityEnd): `activity_end.${ActivityEnd}` & StringKey {
  return `activity_end.${reason}`;
}

/** The dictionary key of a detail; every one is a `StringKey` (checked by the compiler). */
export function detailStringKey(key: DetailKey): `detail.${DetailKey}` & StringKey {
  return `detail.${key}`;
}

/** A detail from the wire, or `undefined` when there is none or it is not one this UI knows. */
export function detailOf(value: unknown): Detail | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { key, params } = value as { key?: unknown; params?: unknown };
  if (typeof key !== "string" || !Object.hasOwn(DETAIL_KEYS, key)) return undefined;
  if (params !== undefined && (typeof params !== "object" || params === null)) return undefined;
  // A reason this UI has no words for: the kernel's English instead.
  const reason = (params as { reason?: unknown } | undefined)?.reason;
  if ((key === "activity_stopped" || key === "activity_undone") && !(typeof reason === "string" && Object.hasOwn(ACTIVITY_ENDS, reason))) {
    return undefined;
  }
  // The key is known and the values are an object: the shape the kernel sends.
  return value as Detail;
}

/** The values to fill into the detail's string (a copy). */
export function detailParams(detail: Detail): Record<string, string | number> {
  return "params" in detail ? { ...(detail.params as Record<string, string | number>) } : {};
}
