#!/usr/bin/env node
'use strict';
// Registers tsx so the CLI runs from TypeScript sources without a build step.
require('tsx/cjs');
const { main } = require('../src/cli/main.ts');

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`handoff: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
