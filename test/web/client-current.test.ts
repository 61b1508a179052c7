import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// The web app's typed client is generated from the route table's OpenAPI document and committed, so
// the app builds without a server. A route or schema change without `npm run web:client` fails here.
// The generator runs in its own process: openapi-typescript is ESM-only, which Jest's CommonJS cannot load.

const root = path.resolve(__dirname, '..', '..');

test('web/src/api/schema.d.ts is what npm run web:client writes from the current route table', () => {
  const committed = readFileSync(path.join(root, 'web', 'src', 'api', 'schema.d.ts'), 'utf8');
  const current = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-web-client.ts', '--stdout'], { cwd: root, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  if (committed !== current) throw new Error('web/src/api/schema.d.ts is out of date with the API: run `npm run web:client` and commit it');
  expect(committed).toContain('"/handoffs/{id}/documents/{documentId}"');
});
