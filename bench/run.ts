import { benchBaseline, type BaselineResult } from './baseline';
import { benchCluster } from './cluster';
import { benchDrafter } from './drafter';
import { benchExtract } from './extract';
import { benchReadModel } from './read-model';
import { benchWeb } from './web';
import { cleanups, killChildren } from './processes';

// `npm run bench` (`-- --quick` for a smoke check: fewer rounds and handoffs): runs each benchmark
// in turn and prints its figures. Add a benchmark by adding its function to this list. The whole
// run has a deadline, so a stuck run stops by itself.

export interface BenchResult {
  name: string;
  figures: Record<string, number>;
}

export interface BenchOptions {
  quick: boolean;
}

const options: BenchOptions = { quick: process.argv.includes('--quick') };

const benches: Array<(options: BenchOptions) => Promise<BenchResult | BaselineResult>> = [
  () => benchDrafter(options.quick ? 500 : 2_000),
  (opts) => benchBaseline(opts),
  (opts) => benchReadModel(opts),
  // Small: 100-page PDFs through the upload's extraction path (a few seconds).
  (opts) => benchExtract(opts),
  // The web app in headless Chromium: first-load JS and the inbox and board over 1,000 handoffs (under a minute).
  (opts) => benchWeb(opts),
];

// `-- --cluster`: only the load on the cluster topology (bench/cluster.ts), which starts its own services.
if (process.argv.includes('--cluster')) benches.splice(0, benches.length, (opts) => benchCluster(opts));

const DEADLINE_MS = (options.quick ? 6 : 15) * 60_000;

async function main(): Promise<void> {
  for (const bench of benches) {
    const result = await bench(options);
    console.log(result.name);
    if ('rows' in result) printTable(result);
    else for (const [figure, value] of Object.entries(result.figures)) console.log(`  ${figure.padEnd(36)} ${value}`);
  }
}

function printTable({ rows, notes }: BaselineResult): void {
  const lines = [
    ['figure', 'bare', 'handoff via API', 'ratio', 'handoff via client', 'ratio', 'target (via API)', 'met'],
    ...rows.map((r) => [
      r.figure,
      String(r.bare),
      String(r.handoff),
      `${r.ratio}×`,
      r.client === undefined ? '' : String(r.client),
      r.clientRatio === undefined ? '' : `${r.clientRatio}×`,
      r.target,
      r.met === undefined ? '' : r.met ? 'met' : 'not met',
    ]),
  ];
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const line of lines) console.log(`  | ${line.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`);
  for (const note of notes) console.log(`  ${note}`);
}

const deadline = setTimeout(async () => {
  console.error(`bench: still running after ${DEADLINE_MS / 60_000} minutes; stopping`);
  killChildren();
  const stopped = Promise.allSettled([...cleanups].map((stop) => stop()));
  await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 20_000))]);
  process.exit(2);
}, DEADLINE_MS);

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    clearTimeout(deadline);
    // Temporal's native runtime keeps the event loop alive; everything the bench started is stopped.
    process.exit();
  });
