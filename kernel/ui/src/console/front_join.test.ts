import { describe, expect, it } from "vitest";
import { sessionNumber } from "./front_join";

describe("the front page's session number", () => {
  it("accepts the number as people type it", () => {
    expect(sessionNumber("123 456 789")).toBe("123456789");
    expect(sessionNumber("123-456-789")).toBe("123456789");
    expect(sessionNumber(" 123456789 ")).toBe("123456789");
  });
  it("refuses anything else", () => {
    for (const bad of ["", "12345678", "1234567890", "012345678", "12345678x", "/join/123456789"]) {
      expect(sessionNumber(bad)).toBeNull();
    }
  });
});
