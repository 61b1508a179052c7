import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webBuildState } from '../../src/dev/web-build';

// When `npm start` rebuilds the web app: no web/ → nothing; no build or a source newer than the
// built index.html → build; otherwise serve what is there. Times are set explicitly, not waited for.

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'web-build-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const write = (relative: string, mtimeS: number) => {
  const file = path.join(root, relative);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'x');
  fs.utimesSync(file, mtimeS, mtimeS);
};

test('no web/ folder: nothing to build', () => {
  expect(webBuildState(root)).toBe('absent');
});

test('sources without a build are stale', () => {
  write('web/src/main.tsx', 1000);
  expect(webBuildState(root)).toBe('stale');
});

test('a build newer than every source is fresh; files in dist and node_modules do not count', () => {
  write('web/src/main.tsx', 1000);
  write('web/dist/index.html', 2000);
  write('web/dist/assets/app-abc123.js', 3000);
  write('web/node_modules/x/index.js', 3000);
  expect(webBuildState(root)).toBe('fresh');
});

test('a source edited after the build makes it stale', () => {
  write('web/src/main.tsx', 1000);
  write('web/dist/index.html', 2000);
  write('web/src/pages/inbox.tsx', 2500);
  expect(webBuildState(root)).toBe('stale');
});
