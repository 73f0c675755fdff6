// The customer's place in a session, as the customer page and a public
// page (a queue's entry page) keep it.
import { describe, expect, it } from "vitest";
import { ENTER_NOW_KEY, handOverPlace, keepPlace, PLACE_KEY, placeOf, savedPlace, takeEnterNow, type PlaceStorage } from "./place";

/** A storage in memory, like the browser's. */
function memory(): PlaceStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, String(value)),
    removeItem: (key) => void items.delete(key),
  };
}

const place = { session: "123456789", participant: "p-carl", token: "secret-token", name: "Carl" };

describe("the place kept in this browser", () => {
  it("is kept and read back whole, and forgotten", () => {
    const storage = memory();
    keepPlace(place, storage);
    expect(JSON.parse(storage.items.get(PLACE_KEY) ?? "")).toEqual(place);
    expect(savedPlace(storage)).toEqual(place);
    keepPlace(null, storage);
    expect(savedPlace(storage)).toBeNull();
  });

  it("is not one when a part is missing or it is not JSON", () => {
    const storage = memory();
    for (const stored of ["not json", "null", "42", JSON.stringify({ session: "1", token: "t" }), JSON.stringify({ ...place, token: 7 })]) {
      storage.items.set(PLACE_KEY, stored);
      expect(savedPlace(storage), stored).toBeNull();
    }
    // A place kept before the kernel said the name has an empty one.
    storage.items.set(PLACE_KEY, JSON.stringify({ session: "1", participant: "p", token: "t" }));
    expect(savedPlace(storage)).toEqual({ session: "1", participant: "p", token: "t", name: "" });
  });

  it("survives storage that refuses (private mode): nothing kept, nothing thrown", () => {
    const refusing: PlaceStorage = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("denied");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(() => keepPlace(place, refusing)).not.toThrow();
    expect(savedPlace(refusing)).toBeNull();
    expect(handOverPlace(place, refusing, refusing)).toBe(false);
    expect(takeEnterNow(place.session, refusing)).toBe(false);
    expect(savedPlace(null)).toBeNull();
  });
});

describe("a place handed over by a public page", () => {
  it("is the kernel's join with the name the page knows", () => {
    expect(placeOf({ session: "1", participant: "p", token: "t" })).toEqual({ session: "1", participant: "p", token: "t", name: "" });
    expect(placeOf({ session: "1", participant: "p", token: "t" }, "Ann")).toEqual({ session: "1", participant: "p", token: "t", name: "Ann" });
  });

  it("is kept as the customer page keeps its own, and entered at once, once", () => {
    const storage = memory();
    const tab = memory();
    expect(handOverPlace(place, storage, tab)).toBe(true);
    expect(savedPlace(storage)).toEqual(place);
    expect(tab.items.get(ENTER_NOW_KEY)).toBe(place.session);
    expect(takeEnterNow(place.session, tab)).toBe(true);
    // Used up: a reload offers Rejoin, as for any kept place.
    expect(takeEnterNow(place.session, tab)).toBe(false);
  });

  it("is not entered at once for another session", () => {
    const tab = memory();
    handOverPlace(place, memory(), tab);
    expect(takeEnterNow("987654321", tab)).toBe(false);
    expect(tab.items.has(ENTER_NOW_KEY)).toBe(false);
  });
});
