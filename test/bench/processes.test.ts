import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpuBetween, descendantsCpuMs } from '../../bench/processes';

// The bench's "CPU per handoff, all processes" reads /proc for every process the bench started. A
// child that burns a known amount of CPU in a grandchild it has not reaped yet, and then in one it
// has reaped (its time moves to the child's cutime), must be counted in full both times.

const BURN_MS = 300;
// Each grandchild spins until its own CPU clock (user + system) says BURN_MS, then reports.
const burn = `const s = process.cpuUsage(); while ((process.cpuUsage(s).user + process.cpuUsage(s).system) / 1000 < ${BURN_MS}); console.log('burnt');`;
// The child runs one grandchild and keeps it (and itself) alive until told, then a second one that exits.
const child = `
  const { spawn, spawnSync } = require('node:child_process');
  const kept = spawn(process.execPath, ['-e', ${JSON.stringify(`${burn} setInterval(() => {}, 1000);`)}], { stdio: ['ignore', 'inherit', 'inherit'] });
  process.stdin.once('data', () => {
    spawnSync(process.execPath, ['-e', ${JSON.stringify(burn)}], { stdio: ['ignore', 'inherit', 'inherit'] });
    console.log('reaped');
    process.stdin.once('data', () => { kept.kill(); process.exit(0); });
  });`;

test('CPU of live and of reaped grandchildren is counted under the part of the process that started them', async () => {
  const before = descendantsCpuMs();
  const proc = spawn(process.execPath, ['-e', child], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waitFor = async (line: string) => {
    while (!lines.includes(line)) {
      const [chunk] = (await once(proc.stdout!, 'data')) as [Buffer];
      lines.push(...chunk.toString().split('\n').filter(Boolean));
    }
  };
  try {
    await waitFor('burnt');
    const live = cpuBetween(before, descendantsCpuMs());
    // "node -e" is no part the bench knows: 'other', and the grandchild counts with it.
    expect(live.other).toBeGreaterThanOrEqual(BURN_MS);

    proc.stdin!.write('next\n');
    await waitFor('reaped');
    const both = cpuBetween(before, descendantsCpuMs());
    expect(both.other).toBeGreaterThanOrEqual(2 * BURN_MS);
  } finally {
    proc.stdin!.write('end\n');
    await once(proc, 'exit');
  }
});
