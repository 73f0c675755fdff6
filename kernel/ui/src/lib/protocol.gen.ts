// Generated from sdk/protocol by its tests; do not edit by hand.
// Rewrite with: TETHER_WRITE_TS=1 cargo test -p tether-protocol typescript

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type Capability = "sysinfo.collect" | "power.restart" | "account.logon" | "account.logoff" | "script.run" | "app.list" | "app.installed" | "app.launch" | "app.share" | "app.control";

export type ErrorCode = "malformed" | "too_large" | "unauthenticated" | "forbidden" | "not_found" | "conflict" | "limit" | "rate_limited" | "no_consent" | "unavailable" | "plugin_error" | "internal";

export type ActivityEnd = "control_passed" | "customer_selected" | "consent_withdrawn" | "session_ended" | "participant_left" | "agent_disconnected" | "transferred";

export type Detail = { "key": "unknown_session", "params": { number: string, } } | { "key": "no_such_customer", "params": { participant: string, } } | { "key": "no_such_participant", "params": { participant: string, } } | { "key": "control_only_to_csr" } | { "key": "site_not_configured", "params": { site: string, } } | { "key": "already_in_session" } | { "key": "invalid_name", "params": { max: number, } } | { "key": "too_many_join_attempts", "params": { seconds: number, } } | { "key": "too_many_joins", "params": { seconds: number, } } | { "key": "invalid_join_credential" } | { "key": "agent_needs_code" } | { "key": "agent_already_connected" } | { "key": "answer_on_the_page" } | { "key": "no_such_question" } | { "key": "no_such_stream" } | { "key": "not_host" } | { "key": "host_cannot_leave" } | { "key": "host_cannot_be_removed" } | { "key": "multi_session_taken" } | { "key": "too_many_customers", "params": { current: number, } } | { "key": "no_session_report", "params": { number: string, } } | { "key": "too_many_messages", "params": { millis: number, } } | { "key": "storage_unavailable" } | { "key": "storage_failed" } | { "key": "wrong_credentials" } | { "key": "too_many_sign_ins", "params": { seconds: number, } } | { "key": "sign_ins_busy" } | { "key": "not_signed_in" } | { "key": "username_taken", "params": { username: string, } } | { "key": "invalid_username" } | { "key": "invalid_display_name", "params": { max: number, } } | { "key": "password_too_short", "params": { min: number, } } | { "key": "password_too_common" } | { "key": "password_unchanged" } | { "key": "wrong_current_password" } | { "key": "account_disabled" } | { "key": "password_change_required" } | { "key": "not_on_your_own_account" } | { "key": "no_such_account", "params": { username: string, } } | { "key": "two_factor_code_needed" } | { "key": "wrong_two_factor_code" } | { "key": "two_factor_code_used" } | { "key": "two_factor_enrolment_required" } | { "key": "two_factor_required_by_site" } | { "key": "no_two_factor_enrolment" } | { "key": "two_factor_already_on" } | { "key": "no_such_permission" } | { "key": "invalid_mail_address", "params": { address: string, } } | { "key": "no_mail_server" } | { "key": "mail_not_sent", "params": { reason: string, } } | { "key": "message_empty" } | { "key": "message_too_long", "params": { chars: number, limit: number, } } | { "key": "message_too_large", "params": { size: number, limit: number, } } | { "key": "csrf_token_missing" } | { "key": "unknown_plugin", "params": { plugin: string, } } | { "key": "plugin_not_enabled", "params": { plugin: string, site: string, } } | { "key": "plugin_suspended", "params": { plugin: string, site: string, seconds: number, } } | { "key": "plugin_busy", "params": { plugin: string, } } | { "key": "plugin_timed_out", "params": { plugin: string, limit_ms: number, } } | { "key": "plugin_out_of_memory", "params": { plugin: string, limit_mb: number, } } | { "key": "plugin_crashed", "params": { plugin: string, message: string, } } | { "key": "plugin_failed", "params": { plugin: string, message: string, } } | { "key": "site_name_missing" } | { "key": "site_name_too_long", "params": { max: number, } } | { "key": "site_max_customers", "params": { min: number, } } | { "key": "site_retention_too_long", "params": { max: number, } } | { "key": "site_plugin_not_loaded", "params": { plugin: string, } } | { "key": "site_plugins_all_and_some" } | { "key": "site_plugin_listed_twice", "params": { plugin: string, } } | { "key": "activity_stopped", "params": { capability: string, reason: ActivityEnd, } } | { "key": "activity_undone", "params": { capability: string, reason: ActivityEnd, } } | { "key": "another_helper_took_over" } | { "key": "ended_by", "params": { name: string, } } | { "key": "host_did_not_return" } | { "key": "you_left" } | { "key": "removed_by", "params": { name: string, } } | { "key": "did_not_connect_in_time" } | { "key": "account_closed", "params": { name: string, by: string, } } | { "key": "transferred_to", "params": { name: string, } } | { "key": "waiting_for_csr", "params": { number: string, } } | { "key": "offer_not_open", "params": { offer: number, } } | { "key": "offer_answered_already", "params": { offer: number, } };

export type Language = "en" | "da" | "fr" | "ja";

export type ParticipantInfo = { id: string, display_name: string, 
/**
 * `host`, `assistant` or `customer`.
 */
role: string, };

export type CustomerPanel = { plugin: string, id: string, title: string, 
/**
 * The title by language, where the manifest translates it.
 */
titles: { [key in string]: string }, entry: string, };

export type RejoinAfterRestart = "by_itself" | "with_link";

export type StreamId = number;

export type StreamOrigin = "customer_agent" | "csr_agent" | "csr_browser";

export type InputEvent = { "type": "pointer_move", x: number, y: number, } | { "type": "pointer_button", x: number, y: number, button: number, pressed: boolean, } | { "type": "key", keysym: number, pressed: boolean, };

export type AttachedFile = { 
/**
 * The file's size in bytes, at most [`MAX_CALL_FILE_BYTES`].
 */
bytes: number, };

export type ConsoleRequest = { "type": "session.start", "body": Record<symbol, never> } | { "type": "session.assist", "body": { session: string, } } | { "type": "session.resume", "body": { session: string, } } | { "type": "session.info", "body": { session: string, } } | { "type": "session.select_customer", "body": { session: string, participant: string, } } | { "type": "session.pass_control", "body": { session: string, to: string, } } | { "type": "session.remove_participant", "body": { session: string, participant: string, } } | { "type": "session.leave", "body": { session: string, } } | { "type": "session.end", "body": { session: string, } } | { "type": "chat.send", "body": { session: string, text: string, } } | { "type": "agent.code", "body": { session: string, } } | { "type": "presence.set", "body": { available: boolean, } } | { "type": "offer.answer", "body": { offer: number, accept: boolean, } } | { "type": "plugin.command", "body": { 
/**
 * The session the command is for; without one it goes to the
 * plugin on the CSR's own site (for example the script library).
 */
session?: string, plugin: string, name: string, payload: JsonValue, } };

export type CustomerRequest = { "type": "chat.send", "body": { text: string, } } | { "type": "consent.answer", "body": { request: string, granted: boolean, } } | { "type": "consent.revoke", "body": { grant: string, } } | { "type": "agent.code", "body": Record<symbol, never> } | { "type": "session.leave", "body": Record<symbol, never> } | { "type": "plugin.command", "body": { plugin: string, name: string, payload: JsonValue, } } | { "type": "stream.stop", "body": { stream: StreamId, } };

export type ServerEvent = { "type": "session.welcome", "body": { session: string, participant: string, participants: Array<ParticipantInfo>, 
/**
 * For agents: the token to rejoin with after a restart (kept on
 * disk, owner-only). Each connection gets a new one.
 */
resume_token?: string, 
/**
 * For customer pages: the plugin panels to show there (those of
 * the plugins the session's site enables).
 */
panels?: Array<CustomerPanel>, } } | { "type": "participant.joined", "body": { session: string, participant: ParticipantInfo, } } | { "type": "participant.left", "body": { session: string, participant: ParticipantInfo, } } | { "type": "participant.away", "body": { session: string, participant: ParticipantInfo, reason: string, 
/**
 * How they come back, as their agent said: the CSR and the
 * customer's page say it truthfully.
 */
rejoin: RejoinAfterRestart, } } | { "type": "stream.opened", "body": { session: string, stream: StreamId, plugin: string, 
/**
 * The participant whose computer (or console) it comes from.
 */
source: string, capability: Capability, 
/**
 * What is shown, in the plugin's words (an application's title).
 */
label: string, 
/**
 * What sends the pictures: a customer's agent (absent in older
 * messages), the CSR's own agent, or the CSR's console.
 */
origin: StreamOrigin, 
/**
 * The customer who controls a CSR's application now, if any.
 */
controller: string | null, } } | { "type": "stream.control", "body": { session: string, stream: StreamId, controller: string | null, 
/**
 * The controller's display name, for the source agent's indicator
 * (it may have joined after the agent, which hears no joins).
 */
controller_name: string | null, } } | { "type": "stream.closed", "body": { session: string, stream: StreamId, reason: string, } } | { "type": "participant.agent", "body": { session: string, participant: string, capabilities: Array<Capability> | null, } } | { "type": "participant.rejoined", "body": { session: string, participant: ParticipantInfo, } } | { "type": "chat.message", "body": { session: string, from: string, display_name: string, text: string, at: string, 
/**
 * For a line the kernel writes itself (an activity it ended):
 * `text` as a detail, for saying it in the reader's language.
 */
detail?: Detail, } } | { "type": "consent.prompt", "body": { session: string, request: string, plugin: string, 
/**
 * What is asked for; one answer covers all of them.
 */
capabilities: Array<Capability>, text: string, 
/**
 * `text` in other languages, by language code (as far as the
 * plugin's manifest translates it); pages pick theirs.
 */
texts?: { [key in string]: string }, detail: string | null, 
/**
 * Whether the customer's page is open; the agent asks in its
 * terminal when it is not.
 */
page_open: boolean, } } | { "type": "consent.waiting", "body": { session: string, request: string, plugin: string, customer: ParticipantInfo, text: string, 
/**
 * `text` in other languages, as in `consent.prompt`: the CSR's
 * console shows the one in its own language.
 */
texts?: { [key in string]: string }, } } | { "type": "consent.answered", "body": { session: string, request: string, outcome: string, grants: Array<string>, } } | { "type": "consent.revoked", "body": { session: string, grant: string, } } | { "type": "control.passed", "body": { session: string, from: string, to: string, } } | { "type": "customer.selected", "body": { session: string, participant: string, } } | { "type": "activities.ended", "body": { session: string, reason: string, } } | { "type": "session.ended", "body": { session: string, reason: string, detail?: Detail, } } | { "type": "agent.second_refused", "body": { session: string, } } | { "type": "agent.second_prompt", "body": { session: string, request: string, } } | { "type": "session.host_away", "body": { session: string, grace_secs: number, } } | { "type": "offer.made", "body": { offer: number, plugin: string, 
/**
 * The session it is about, if any.
 */
session?: string, title: string, text: string, expires_in_ms: number, } } | { "type": "offer.withdrawn", "body": { offer: number, expired: boolean, reason: string, } } | { "type": "session.assigned", "body": { session: string, participant: string, } } | { "type": "session.transferred", "body": { session: string, from?: string, to: ParticipantInfo, } } | { "type": "presence.changed", "body": { available: boolean, 
/**
 * Customers in the sessions they host.
 */
customers: number, max_customers: number, } } | { "type": "plugin.console_message", "body": { plugin: string, message: JsonValue, } } | { "type": "plugin.message", "body": { session: string, plugin: string, message: JsonValue, } } | { "type": "agent.call", "body": { call: string, capability: Capability, input: JsonValue, 
/**
 * The files the call carries, in order: each follows this message
 * as a binary file frame (see `file_frame`). Absent: none.
 */
files?: Array<AttachedFile>, } } | { "type": "agent.cancel", "body": { call: string, reason: string, } };

export type PublicCommand = { 
/**
 * The command's name, 1 to 64 characters.
 */
name: string, 
/**
 * What follows the page's path in its address (`support` of
 * `/q/default/support`).
 */
page: string, payload: JsonValue, };

export type PublicReply = { reply: JsonValue, join?: PublicJoin, };

export type PublicJoin = { session: string, participant: string, token: string, };

