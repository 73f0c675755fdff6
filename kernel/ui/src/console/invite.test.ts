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

describe("invitations in a chosen language", () => {
  it("have the same values in every language", () => {
    for (const language of ["en", "da", "fr", "ja"] as const) {
      const text = invitationText("customer", "Anna", "123456789", "https://help.example/join/123456789", "https://help.example", language);
      expect(text.body, language).toContain("https://help.example/join/123456789");
      expect(text.body, language).toContain("123 456 789");
      expect(text.body, language).toContain("Anna");
    }
    expect(invitationText("customer", "Anna", "123456789", "", "", "ja").subject).toBe("サポートセッション");
    expect(invitationText("assistant", "Anna", "123456789", "", "", "da").subject).toBe("Assister venligst i en supportsession");
  });
});
