import { describeIsolation, resolveIsolation } from "../../../src/sandbox/isolation.js";

describe("isolation", () => {
  it('fails hard when "bubblewrap" is required and cannot run', async () => {
    await expect(
      resolveIsolation({ isolation: "bubblewrap", bubblewrap: "/nonexistent/bwrap" }),
    ).rejects.toThrow(
      /isolation "bubblewrap" was required.*apparmor_restrict_unprivileged_userns=0/s,
    );
  });

  it("falls back to process-level guards with a loud warning under auto", async () => {
    const described = await describeIsolation({
      isolation: "auto",
      bubblewrap: "/nonexistent/bwrap",
    });
    expect(described.isolation).toMatch(/^process-level guards only/);
    expect(described.warnings.join("\n")).toMatch(/NO OS SANDBOX/);
  });

  it("says when layers are switched off", async () => {
    const described = await describeIsolation({
      isolation: "none",
      layers: { staticCheck: false },
    });
    expect(described.warnings.join("\n")).toMatch(
      /SANDBOX LAYERS DISABLED \(no static check, audit hook\)/,
    );
  });
});
