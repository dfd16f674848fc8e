#!/usr/bin/env -S node --max-semi-space-size=32
// The young generation may grow to 32 MiB (V8's default stops at 16): a query allocates
// ~15 KiB of short-lived objects, and with the default the server spent about as long in
// scavenges as in the SQL path (docs/architecture.md, Performance). Worker processes inherit it.
import { main } from '../dist/src/cli/main.js';
main(process.argv.slice(2)).then(
  (code) => { if (typeof code === 'number') process.exitCode = code; },
  (error) => { console.error(error instanceof Error ? error.message : error); process.exitCode = 1; },
);
