// Where this browser keeps its place in a session: the customer page
// keeps it after joining, to rejoin after a reload or a restart without
// the number; a public page (a queue's entry page) whose plugin opened a
// session for the customer keeps it the same way before sending them to
// the customer page, which then enters at once — as after its own join.

import type { PublicJoin } from "../lib/protocol.gen";

/** The customer's place, in this browser's local storage. */
export const PLACE_KEY = "tether.customer.place";

/**
 * Set (for this tab only) beside a place just kept by another page: the
 * customer page enters that session at once instead of offering Rejoin.
 */
export const ENTER_NOW_KEY = "tether.customer.enter_now";

export interface Place {
  session: string;
  participant: string;
  token: string;
  /** The name the customer joined with (the kernel's display name once it said it). */
  name: string;
}

/** What the place functions read and write (`localStorage`, `sessionStorage`; a map in tests). */
export type PlaceStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function local(): PlaceStorage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    // Storage may be off (private mode, blocked cookies).
    return null;
  }
}

function perTab(): PlaceStorage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null;
  }
}

/** The place kept in this browser, if there is a whole one. */
export function savedPlace(storage: PlaceStorage | null = local()): Place | null {
  try {
    const place = JSON.parse(storage?.getItem(PLACE_KEY) ?? "null");
    if (typeof place !== "object" || place === null) return null;
    const { session, participant, token, name } = place as Record<string, unknown>;
    if (typeof session !== "string" || typeof token !== "string" || typeof participant !== "string") return null;
    return { session, participant, token, name: typeof name === "string" ? name : "" };
  } catch {
    return null;
  }
}

/** Keeps `place` (or forgets the one kept, for `null`). */
export function keepPlace(place: Place | null, storage: PlaceStorage | null = local()): void {
  try {
    if (place) storage?.setItem(PLACE_KEY, JSON.stringify(place));
    else storage?.removeItem(PLACE_KEY);
  } catch {
    // Not kept: rejoining then needs the number again.
  }
}

/** The place of a customer a public command joined to a session (`PublicReply.join`). */
export function placeOf(join: PublicJoin, name = ""): Place {
  return { session: join.session, participant: join.participant, token: join.token, name };
}

/**
 * Keeps `place` as the customer page's own join does, and marks it for
 * this tab so the customer page at `/join/{session}` enters at once.
 * Whether it was kept (without storage the customer page cannot connect).
 */
export function handOverPlace(place: Place, storage: PlaceStorage | null = local(), tab: PlaceStorage | null = perTab()): boolean {
  keepPlace(place, storage);
  try {
    tab?.setItem(ENTER_NOW_KEY, place.session);
  } catch {
    // Not marked: the customer page offers Rejoin instead.
  }
  return savedPlace(storage)?.token === place.token;
}

/**
 * Whether another page just handed this tab `session` to enter at once;
 * the mark is used up by asking.
 */
export function takeEnterNow(session: string, tab: PlaceStorage | null = perTab()): boolean {
  try {
    const marked = tab?.getItem(ENTER_NOW_KEY) ?? null;
    tab?.removeItem(ENTER_NOW_KEY);
    return marked !== null && marked === session;
  } catch {
    return false;
  }
}
