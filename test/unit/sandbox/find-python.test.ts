import { findPython } from "../../../src/sandbox/find-python.js";

describe("findPython", () => {
  it("finds a Python that imports numpy", async () => {
    expect(await findPython()).toMatch(/python3/);
  });

  it("never replaces an explicit choice that lacks numpy, and says why", async () => {
    await expect(findPython("/nonexistent/python3")).rejects.toThrow(
      /the python option names a Python that cannot import numpy/,
    );
  });
});
