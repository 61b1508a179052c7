import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { IntakeBundle } from '../../src/domain/intake';
import { Packet } from '../../src/domain/packet';
import { expectCitationsVerbatim } from '../support/citations';
import { bundleFixtureDir, readJson, sharedFixtureDir } from '../support/bundles';

// Spawns the real CLI: node bin/handoff.js draft ...

const repo = resolve(__dirname, '../..');
const NOW = '2026-11-25T00:00:00Z';

function handoff(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repo, 'bin/handoff.js'), ...args], { cwd: repo, encoding: 'utf8', timeout: 30_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeTemp(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'handoff-cli-')), name);
  writeFileSync(file, text);
  return file;
}

describe('handoff draft', () => {
  it('prints the finalized packet as JSON and exits 0', () => {
    const file = join(sharedFixtureDir, 'worked-example.json');
    const { code, stdout, stderr } = handoff('draft', file, '--now', NOW);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const packet = Packet.parse(JSON.parse(stdout));
    expect(packet).toMatchObject({ handoffId: 'handoff-D-1042', version: 1, dealId: 'D-1042', draftedBy: 'rules' });
    expect(packet.gates.passed).toBe(true);
    expectCitationsVerbatim(packet, IntakeBundle.parse(readJson(file)));
  });

  it('reports failing gates as data, still exiting 0', () => {
    const { code, stdout } = handoff('draft', join(sharedFixtureDir, 'contradiction.json'), '--now', NOW);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).gates.failures.map((f: { code: string }) => f.code)).toEqual(['contradiction', 'contradiction']);
  });

  it('prints Markdown with --format md', () => {
    const { code, stdout } = handoff('draft', join(sharedFixtureDir, 'worked-example.json'), '--format', 'md', '--now', NOW);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# Handoff packet: D-1042\n/);
    expect(stdout).toContain('## Implied promises (need review)');
    expect(stdout).toMatch(/\[\^\d+\]: call-2026-11-14 — "Ben said we can have the dashboard live before the board meeting\."/);
  });

  it('is reproducible with --now', () => {
    const args = ['draft', join(sharedFixtureDir, 'missing-evidence.json'), '--now', NOW];
    expect(handoff(...args).stdout).toBe(handoff(...args).stdout);
  });

  it('never prints a secret, in JSON or Markdown, on stdout or stderr', () => {
    const file = join(bundleFixtureDir, 'secrets-payments.json');
    for (const format of ['json', 'md']) {
      const { code, stdout, stderr } = handoff('draft', file, '--format', format, '--now', NOW);
      expect(code).toBe(0);
      expect(stdout).toContain('out_of_policy');
      for (const secret of ['sk_live_51HcopperleafSECRETkey9x2', 'Copp3rLeaf!2026', 'Sup3rS3cret']) {
        expect(stdout).not.toContain(secret);
        expect(stderr).not.toContain(secret);
      }
    }
  });

  describe('invalid input exits 2 with one line naming the problem', () => {
    const expectOneLine = (stderr: string, pattern: RegExp) => {
      expect(stderr.endsWith('\n')).toBe(true);
      expect(stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(pattern);
    };

    it('a trigger that is not a handoff', () => {
      const { code, stdout, stderr } = handoff('draft', join(bundleFixtureDir, 'invalid-trigger-renewal.json'));
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expectOneLine(stderr, /^handoff: invalid bundle: trigger: .*"renewal"/);
    });

    it('a schema error, with the field path', () => {
      const bundle = readJson(join(sharedFixtureDir, 'worked-example.json')) as { documents: Array<{ kind: string }> };
      bundle.documents[0].kind = 'memo';
      const { code, stderr } = handoff('draft', writeTemp('bad-kind.json', JSON.stringify(bundle)));
      expect(code).toBe(2);
      expectOneLine(stderr, /^handoff: invalid bundle: documents\.0\.kind: Invalid option/);
    });

    it('bad JSON', () => {
      const { code, stderr } = handoff('draft', writeTemp('broken.json', '{"dealId": '));
      expect(code).toBe(2);
      expectOneLine(stderr, /^handoff: invalid bundle: not JSON: /);
    });

    it('a missing file, an unknown format, a bad --now', () => {
      expectOneLine(handoff('draft', '/nonexistent/bundle.json').stderr, /^handoff: cannot read \/nonexistent\/bundle\.json: ENOENT/);
      const file = join(sharedFixtureDir, 'worked-example.json');
      const format = handoff('draft', file, '--format', 'pdf');
      expect(format.code).toBe(2);
      expectOneLine(format.stderr, /--format must be json or md/);
      const now = handoff('draft', file, '--now', 'yesterday');
      expect(now.code).toBe(2);
      expectOneLine(now.stderr, /--now is not an ISO date-time/);
    });
  });

  it('an unknown command exits 2 with usage', () => {
    const { code, stderr } = handoff('frobnicate');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown command "frobnicate"');
    expect(stderr).toContain('handoff draft <bundle.json>');
  });
});
