// @vitest-environment happy-dom
// The CSR's Available / Away control in the console header.
import { afterEach, describe, expect, it } from "vitest";
import { relabel, setLocale } from "../lib/i18n";
import { KernelError } from "../lib/socket";
import { seriousViolations } from "../test/dom";
import { PresenceControl, presenceOf, presenceSummary } from "./presence";

function control(set: (available: boolean) => Promise<unknown> = async () => ({})) {
  const asked: boolean[] = [];
  const presence = new PresenceControl((available) => {
    asked.push(available);
    return set(available);
  });
  document.body.replaceChildren(document.createElement("header"));
  document.querySelector("header")?.append(presence.element);
  const radio = (name: string) => presence.element.querySelector<HTMLInputElement>(`[data-test="${name}"]`) as HTMLInputElement;
  const choose = (name: string) => {
    radio(name).checked = true;
    radio(name).dispatchEvent(new Event("change"));
  };
  const status = () => presence.element.querySelector('[data-test="presence-status"]')?.textContent;
  const error = () => presence.element.querySelector('[data-test="presence-error"]')?.textContent;
  return { presence, asked, radio, choose, status, error };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

afterEach(() => setLocale("en"));

describe("the presence control", () => {
  it("is a labelled group of two choices, neither chosen until the kernel says", async () => {
    const { presence, radio, status } = control();
    expect(presence.element.tagName).toBe("FIELDSET");
    expect(presence.element.querySelector("legend")?.textContent).toBe("Your status");
    expect(radio("presence-available").closest("label")?.textContent).toBe("Available");
    expect(radio("presence-away").closest("label")?.textContent).toBe("Away");
    expect(radio("presence-available").checked || radio("presence-away").checked).toBe(false);
    expect(status()).toBe("");
    expect(await seriousViolations()).toEqual([]);
  });

  it("shows what the kernel says, with the customers of the most allowed", () => {
    const { presence, radio, status } = control();
    presence.apply({ available: true, customers: 1, max_customers: 3 });
    expect(radio("presence-available").checked).toBe(true);
    expect(status()).toBe("1 of 3 customers");
    presence.apply({ available: false, customers: 0, max_customers: 3 });
    expect(radio("presence-away").checked).toBe(true);
    expect(status()).toBe("0 of 3 customers");
    expect(presence.element.querySelector('[data-test="presence-status"]')?.getAttribute("role")).toBe("status");
    presence.unknown();
    expect(radio("presence-available").checked || radio("presence-away").checked).toBe(false);
    expect(status()).toBe("");
  });

  it("asks the kernel when the CSR chooses, and shows its answer", async () => {
    const { presence, asked, choose, status } = control(async (available) => ({ available, customers: 0, max_customers: 2 }));
    presence.apply({ available: false, customers: 0, max_customers: 2 });
    choose("presence-available");
    await flush();
    expect(asked).toEqual([true]);
    expect(status()).toBe("0 of 2 customers");
    choose("presence-away");
    await flush();
    expect(asked).toEqual([true, false]);
    expect(status()).toBe("0 of 2 customers");
  });

  it("refused: says why and goes back to what the kernel last said", async () => {
    const { presence, choose, radio, error } = control(async () => {
      throw new KernelError("unavailable", "not connected");
    });
    presence.apply({ available: false, customers: 0, max_customers: 2 });
    choose("presence-available");
    await flush();
    expect(radio("presence-away").checked).toBe(true);
    expect(error()).toBe("Your status was not changed: Not available right now (not connected)");
    expect(presence.element.querySelector('[data-test="presence-error"]')?.getAttribute("role")).toBe("alert");
  });

  it("follows the language", () => {
    const { presence, status } = control();
    presence.apply({ available: true, customers: 2, max_customers: 5 });
    setLocale("ja");
    relabel();
    presence.relabel();
    expect(presence.element.querySelector("legend")?.textContent).toBe("ステータス");
    expect(status()).toBe("顧客 2 / 5 人");
    expect(presenceSummary({ available: false, customers: 0, max_customers: 1 })).toBe("顧客 0 / 1 人");
  });

  it("reads a presence only where there is a whole one", () => {
    expect(presenceOf({ available: true, customers: 1, max_customers: 2 })).toEqual({ available: true, customers: 1, max_customers: 2 });
    expect(presenceOf({ available: "yes", customers: 1, max_customers: 2 })).toBeNull();
    expect(presenceOf({ available: true, customers: 1 })).toBeNull();
    expect(presenceOf({})).toBeNull();
    expect(presenceOf(null)).toBeNull();
  });
});
