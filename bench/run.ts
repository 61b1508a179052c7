import { benchDrafter } from './drafter';
import { benchHistory } from './history';

// `npm run bench`: runs each benchmark in turn and prints its figures. Add a benchmark by adding
// its function to this list.

export interface BenchResult {
  name: string;
  figures: Record<string, number>;
}

const benches: Array<() => Promise<BenchResult>> = [
  () => benchDrafter(),
  () => benchHistory(),
];

async function main(): Promise<void> {
  for (const bench of benches) {
    const { name, figures } = await bench();
    console.log(name);
    for (const [figure, value] of Object.entries(figures)) console.log(`  ${figure.padEnd(28)} ${value}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
