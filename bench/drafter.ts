import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { draftPacket } from '../src/domain/draft';
import { IntakeBundle } from '../src/domain/intake';

// The rules drafter's throughput on a five-document bundle (the worked example plus a CRM note),
// one core, against the target of 200 bundles per second; and the time to draft a bundle holding
// one 30,000-character transcript, against 200 ms.

export const TARGET_BUNDLES_PER_SECOND = 200;
export const TARGET_LONG_DOCUMENT_MS = 200;
export const LONG_DOCUMENT_CHARS = 30_000;

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

/**
 * The worked example plus one long call transcript (30,000 characters): the call notes and emails of
 * the eval corpus's development half, each under its speaker, in order, cut at a sentence end.
 */
export function longDocumentBundle(chars = LONG_DOCUMENT_CHARS): IntakeBundle {
  const bundle = IntakeBundle.parse(JSON.parse(readFileSync(resolve(__dirname, '../../shared/fixtures/worked-example.json'), 'utf8')));
  const dir = resolve(__dirname, '../eval/corpus/dev');
  const parts: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const corpusBundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { documents: Array<{ kind: string; text: string }> };
    for (const doc of corpusBundle.documents) if (doc.kind === 'call_notes' || doc.kind === 'email') parts.push(doc.text);
  }
  let text = '';
  for (let i = 0; text.length < chars; i++) text += (text ? '\n' : '') + parts[i % parts.length];
  text = text.slice(0, chars);
  bundle.documents.push({ id: 'long-transcript', kind: 'call_notes', title: 'Long call transcript', capturedAt: '2026-11-19T12:00:00Z', text: text.slice(0, text.lastIndexOf('.') + 1) });
  return bundle;
}

export async function benchDrafter(durationMs = 2_000): Promise<{ name: string; figures: Record<string, number> }> {
  const bundle = fiveDocumentBundle();
  const now = new Date('2026-11-25T00:00:00Z');
  runFor(Math.min(500, durationMs / 4), () => draftPacket(bundle, { now }));
  const cpuBefore = process.cpuUsage();
  const { runs, elapsedMs } = runFor(durationMs, () => draftPacket(bundle, { now }));
  const cpu = process.cpuUsage(cpuBefore);
  const perSecond = (runs / elapsedMs) * 1000;
  // CPU time is what one core spends; on a shared machine wall time also counts waiting for a core.
  const perCpuSecond = runs / ((cpu.user + cpu.system) / 1e6);
  const long = longDocumentBundle();
  draftPacket(long, { now });
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let i = 0; i < 7; i++) {
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    draftPacket(long, { now });
    const used = process.cpuUsage(cpuStart);
    times.push(performance.now() - started);
    cpuTimes.push((used.user + used.system) / 1000);
  }
  const longMs = times.sort((a, b) => a - b)[3];
  const longCpuMs = cpuTimes.sort((a, b) => a - b)[3];
  return {
    name: 'rules drafter (5-document bundle, 1 core; one 30,000-character document)',
    figures: {
      bundlesPerSecondPerCore: Math.round(perSecond),
      msPerBundle: Math.round((elapsedMs / runs) * 1000) / 1000,
      ratioToTarget: Math.round((perSecond / TARGET_BUNDLES_PER_SECOND) * 100) / 100,
      bundlesPerCpuSecond: Math.round(perCpuSecond),
      longDocumentMsMedian: Math.round(longMs),
      longDocumentCpuMsMedian: Math.round(longCpuMs),
      longDocumentRatioToTarget: Math.round((TARGET_LONG_DOCUMENT_MS / longMs) * 100) / 100,
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
