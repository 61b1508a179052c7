import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { draftPacket } from '../src/domain/draft';
import { IntakeBundle } from '../src/domain/intake';

// The rules drafter's throughput on a five-document bundle (the worked example plus a CRM note),
// one core, against the target of 200 bundles per second.

export const TARGET_BUNDLES_PER_SECOND = 200;

export function fiveDocumentBundle(): IntakeBundle {
  const bundle = IntakeBundle.parse(JSON.parse(readFileSync(resolve(__dirname, '../../shared/fixtures/worked-example.json'), 'utf8')));
  bundle.documents.push({
    id: 'crm-note-2026-11-19',
    kind: 'crm_note',
    title: 'Deal desk note',
    capturedAt: '2026-11-19T12:00:00Z',
    text: 'Discount approved at 10% for a 12 month term. Dana expects weekly check-ins during the first month. Eli will send sample Kronos exports before kickoff.',
  });
  return bundle;
}

export async function benchDrafter(durationMs = 2_000): Promise<{ name: string; figures: Record<string, number> }> {
  const bundle = fiveDocumentBundle();
  const now = new Date('2026-11-25T00:00:00Z');
  runFor(Math.min(500, durationMs / 4), () => draftPacket(bundle, { now }));
  const { runs, elapsedMs } = runFor(durationMs, () => draftPacket(bundle, { now }));
  const perSecond = (runs / elapsedMs) * 1000;
  return {
    name: 'rules drafter (5-document bundle, 1 core)',
    figures: {
      bundlesPerSecondPerCore: Math.round(perSecond),
      msPerBundle: Math.round((elapsedMs / runs) * 1000) / 1000,
      ratioToTarget: Math.round((perSecond / TARGET_BUNDLES_PER_SECOND) * 100) / 100,
    },
  };
}

function runFor(durationMs: number, work: () => unknown): { runs: number; elapsedMs: number } {
  const started = performance.now();
  let runs = 0;
  let elapsed = 0;
  do {
    work();
    runs++;
    elapsed = performance.now() - started;
  } while (elapsed < durationMs);
  return { runs, elapsedMs: elapsed };
}
