/** Jest runs the TypeScript sources directly (ts-jest, ESM) so tests need no build step. */
export default {
  testEnvironment: "node",
  extensionsToTreatAsEsm: [".ts"],
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  transform: {
    "^.+\\.ts$": ["ts-jest", { useESM: true, tsconfig: "tsconfig.json", diagnostics: false }],
  },
  testMatch: ["<rootDir>/test/**/*.test.ts"],
  // Tests that run the real codec through the Action or the sandbox: v4's key frame costs several times v3's,
  // and a loaded 2-core box runs them 2-3x slower again.
  testTimeout: 300000,
  maxWorkers: 2,
};
