#!/usr/bin/env node
// The `tinytrain` command: runs src/cli/main.ts under tsx (no build step). main.ts is an ordinary
// entry script: it reads process.argv.slice(2) and sets process.exitCode (or calls process.exit).
// This launcher writes nothing to stdout, so `--json` output stays one JSON document.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

const main = new URL('../src/cli/main.ts', import.meta.url);
register();
// Make main.ts see itself as the entry point (argv[1]), exactly as `tsx src/cli/main.ts` would.
process.argv[1] = fileURLToPath(main);
await import(main.href);
