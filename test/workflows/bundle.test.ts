import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// The workflow bundle is evaluated again in every workflow context, so it holds only what the
// workflow runs: no zod, no schema modules. A runtime (not `import type`) import of a schema
// module from the workflow's side fails here. Size is printed for the record; the bench compares it.

let code: string;

beforeAll(async () => {
  const noop = () => undefined;
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop },
  });
  code = bundle.code;
  console.log(`workflow bundle: ${(Buffer.byteLength(code) / 1024 / 1024).toFixed(2)} MiB (${Buffer.byteLength(code)} bytes, inline source map included)`);
}, 120_000);

/** Our own modules webpack put in the bundle, by their module ids ("./src/domain/sla.ts", relative to the working directory). */
const ownModules = () => [...new Set([...code.matchAll(/^\/\*\*\*\/ "(\.\/src\/[^"]+)"/gm)].map((m) => m[1]))];

test('the bundle holds the workflow and its plain-TypeScript rules', () => {
  // Guards the checks below against a bundle format they would not see into.
  expect(ownModules()).toEqual(expect.arrayContaining(['./src/workflows/index.ts', './src/workflows/handoff.ts', './src/domain/rules.ts']));
});

test('zod is not in the bundle', () => {
  // Matches and names rather than the whole code, so a failure says what crept in.
  expect([...new Set(code.match(/"[^"\n]*node_modules\/zod\/[^"\n]*"/g) ?? [])]).toEqual([]);
  expect(['ZodError', '$ZodType'].filter((name) => code.includes(name))).toEqual([]);
});

test('no bundled module of ours imports zod', () => {
  const withZod = ownModules().filter((id) => /from ['"]zod['"]/.test(fs.readFileSync(path.resolve(id), 'utf8')));
  expect(withZod).toEqual([]);
});
