#!/usr/bin/env node
/** Entry point of the `codec-evolve` binary. */
import { main } from "./cli/main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  cwd: process.cwd(),
  env: process.env,
});
