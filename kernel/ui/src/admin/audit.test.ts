// @vitest-environment happy-dom
// The audit log's table on the admin page.
import { afterEach, describe, expect, it } from "vitest";
import { setLocale } from "../lib/i18n";
import { seriousViolations } from "../test/dom";
import { auditTable, type AuditLine } from "./audit";

const line = (action: string, detail: string): AuditLine => ({
  at: "2026-12-02T10:15:00.000Z",
  admin: "lee",
  admin_name: "Lee Admin",
  from: "192.0.2.7",
  action,
  detail,
});

afterEach(() => setLocale("en"));

describe("the audit log", () => {
  it("shows each change with who, when and from where, as text", async () => {
    const table = auditTable([line("site.changed", "plugins echo → every plugin"), line("account.created", "<b>dora</b> (Dora): csr")]);
    document.body.replaceChildren(table);
    const rows = [...table.querySelectorAll('[data-test="audit-line"]')];
    expect(rows).toHaveLength(2);
    const cells = [...rows[0].querySelectorAll("td")].map((td) => td.textContent);
    expect(cells[1]).toBe("Lee Admin (lee)");
    expect(cells[2]).toBe("192.0.2.7");
    expect(cells[3]).toBe("Site settings changed: plugins echo → every plugin");
    expect(rows[0].querySelector("time")?.getAttribute("datetime")).toBe("2026-12-02T10:15:00.000Z");
    // What people typed is text, never markup.
    expect(rows[1].querySelector("b")).toBeNull();
    expect(rows[1].textContent).toContain("<b>dora</b>");
    expect(table.getAttribute("aria-label")).toBe("Audit log");
    expect(await seriousViolations()).toEqual([]);
  });

  it("says so when nothing was changed, in the reader's language", () => {
    setLocale("ja");
    expect(auditTable([]).textContent).toBe("サイト管理者による変更はまだありません。");
    expect(auditTable([line("account.changed", "anna: role csr → admin")]).textContent).toContain("アカウントを変更:");
    expect(auditTable([line("something.new", "x")]).textContent).toContain("something.new");
    setLocale("da");
    expect(auditTable([line("account.disabled", "anna")]).textContent).toContain("Konto deaktiveret: anna");
    expect(auditTable([line("plugin.command", "scripts: categories.set {}")]).textContent).toContain("Plugin-indstilling ændret:");
  });
});
