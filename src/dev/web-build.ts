import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// `npm start` serves web/dist; it rebuilds it first when any source under web/ is newer than the
// built index.html (or there is none), so a fresh clone or an edited page never serves a stale app.

/** Newest modification time (ms) of the files under `dir`, skipping build output, dependencies and dot folders. */
export function newestMtime(dir: string, skip: ReadonlySet<string> = new Set(['dist', 'node_modules'])): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || skip.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full, skip));
    else if (entry.isFile()) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** `absent`: no web/ folder (nothing to build); `stale`: sources newer than web/dist/index.html or no build; else `fresh`. */
export function webBuildState(root: string): 'absent' | 'stale' | 'fresh' {
  const webDir = path.join(root, 'web');
  if (!fs.existsSync(webDir)) return 'absent';
  const index = path.join(webDir, 'dist', 'index.html');
  if (!fs.existsSync(index)) return 'stale';
  return newestMtime(webDir) > fs.statSync(index).mtimeMs ? 'stale' : 'fresh';
}

/** Runs `npm run web:build` when the build is stale; throws when the build fails. */
export function buildWebIfStale(root: string, log: (line: string) => void = console.log): void {
  if (webBuildState(root) !== 'stale') return;
  log('building the web app (npm run web:build)…');
  const result = spawnSync('npm', ['run', '--silent', 'web:build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`npm run web:build failed (${result.error?.message ?? `exit ${result.status}`})`);
}
