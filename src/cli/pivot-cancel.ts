#!/usr/bin/env node
/** The `pivot-cancel` bin: see `cancel-command.ts`, or run `pivot-cancel --help`. */
import { runCancelCommand } from "./cancel-command.js";

process.exitCode = await runCancelCommand(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
