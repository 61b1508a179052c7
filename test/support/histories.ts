import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureTemporalCli } from '../../src/dev/temporal-cli';

const dir = path.resolve(__dirname, '..', 'workflows', 'histories');

/** Keeps a run's history for the replay test when RECORD_HISTORIES=1 (the CLI writes the JSON replay reads). */
export function maybeRecordHistory(name: string, address: string, workflowId: string, runId?: string): void {
  if (!process.env.RECORD_HISTORIES) return;
  const args = ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--output', 'json'];
  if (runId) args.push('--run-id', runId);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), execFileSync(ensureTemporalCli(), args));
}
