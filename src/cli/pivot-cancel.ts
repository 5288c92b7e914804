#!/usr/bin/env node
/** The `pivot-cancel` bin: see `cancel-command.ts`, or run `pivot-cancel --help`. */
import { runCancelCommand } from "./cancel-command.js";

// Ctrl-C aborts the call in flight (exit 14) instead of killing the process mid-request; a second one kills it.
const interrupted = new AbortController();
process.once("SIGINT", () => interrupted.abort());

process.exitCode = await runCancelCommand(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signal: interrupted.signal,
});
