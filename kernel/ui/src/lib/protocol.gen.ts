// Generated from sdk/protocol by its tests; do not edit by hand.
// Rewrite with: TETHER_WRITE_TS=1 cargo test -p tether-protocol typescript

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]: JsonValue } | null;

export type Capability = "sysinfo.collect" | "power.restart" | "account.logon" | "account.logoff" | "script.run";

export type ErrorCode = "malformed" | "too_large" | "unauthenticated" | "forbidden" | "not_found" | "conflict" | "limit" | "rate_limited" | "no_consent" | "unavailable" | "plugin_error" | "internal";

export type ParticipantInfo = { id: string, display_name: string, 
/**
 * `host`, `assistant` or `customer`.
 */
role: string, };

export type ConsoleRequest = { "type": "session.start", "body": Record<symbol, never> } | { "type": "session.assist", "body": { session: string, } } | { "type": "session.resume", "body": { session: string, } } | { "type": "session.info", "body": { session: string, } } | { "type": "session.select_customer", "body": { session: string, participant: string, } } | { "type": "session.pass_control", "body": { session: string, to: string, } } | { "type": "session.remove_participant", "body": { session: string, participant: string, } } | { "type": "session.leave", "body": { session: string, } } | { "type": "session.end", "body": { session: string, } } | { "type": "chat.send", "body": { session: string, text: string, } } | { "type": "plugin.command", "body": { 
/**
 * The session the command is for; without one it goes to the
 * plugin on the CSR's own site (for example the script library).
 */
session?: string, plugin: string, name: string, payload: JsonValue, } };

export type CustomerRequest = { "type": "chat.send", "body": { text: string, } } | { "type": "consent.answer", "body": { request: string, granted: boolean, } } | { "type": "consent.revoke", "body": { grant: string, } } | { "type": "agent.code", "body": Record<symbol, never> } | { "type": "session.leave", "body": Record<symbol, never> };

export type ServerEvent = { "type": "session.welcome", "body": { session: string, participant: string, participants: Array<ParticipantInfo>, 
/**
 * For agents: the token to rejoin with after a restart (kept on
 * disk, owner-only). Each connection gets a new one.
 */
resume_token?: string, } } | { "type": "participant.joined", "body": { session: string, participant: ParticipantInfo, } } | { "type": "participant.left", "body": { session: string, participant: ParticipantInfo, } } | { "type": "participant.away", "body": { session: string, participant: ParticipantInfo, reason: string, } } | { "type": "participant.rejoined", "body": { session: string, participant: ParticipantInfo, } } | { "type": "chat.message", "body": { session: string, from: string, display_name: string, text: string, at: string, } } | { "type": "consent.prompt", "body": { session: string, request: string, plugin: string, 
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
page_open: boolean, } } | { "type": "consent.waiting", "body": { session: string, request: string, plugin: string, customer: ParticipantInfo, text: string, } } | { "type": "consent.answered", "body": { session: string, request: string, outcome: string, grants: Array<string>, } } | { "type": "consent.revoked", "body": { session: string, grant: string, } } | { "type": "control.passed", "body": { session: string, from: string, to: string, } } | { "type": "customer.selected", "body": { session: string, participant: string, } } | { "type": "activities.ended", "body": { session: string, reason: string, } } | { "type": "session.ended", "body": { session: string, reason: string, } } | { "type": "agent.second_refused", "body": { session: string, } } | { "type": "agent.second_prompt", "body": { session: string, request: string, } } | { "type": "session.host_away", "body": { session: string, grace_secs: number, } } | { "type": "plugin.message", "body": { session: string, plugin: string, message: JsonValue, } } | { "type": "agent.call", "body": { call: string, capability: Capability, input: JsonValue, } } | { "type": "agent.cancel", "body": { call: string, reason: string, } };

