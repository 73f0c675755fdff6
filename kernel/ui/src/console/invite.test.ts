import { describe, expect, it } from "vitest";
import { invitationText, mailtoLink } from "./invite";

describe("invitations", () => {
  it("carry the join link and the spaced number, encoded for mailto", () => {
    const text = invitationText("customer", "Anna & Co", "123456789", "https://help.example/join/123456789", "https://help.example");
    expect(text.body).toContain("https://help.example/join/123456789");
    expect(text.body).toContain("123 456 789");
    const link = mailtoLink(text);
    expect(link.startsWith("mailto:?subject=")).toBe(true);
    expect(link).toContain(encodeURIComponent("Anna & Co"));
    expect(link).not.toContain("\n");
    expect(decodeURIComponent(link.split("&body=")[1])).toBe(text.body);
  });

  it("for a CSR, name the number to assist", () => {
    const text = invitationText("assistant", "Anna", "123456789", "", "");
    expect(text.body).toContain("123 456 789");
    expect(mailtoLink(text, "bo@example.com")).toContain("mailto:bo%40example.com?");
  });
});
