import { execFileSync } from 'node:child_process';
import { shellQuote, withConnectionFlags } from '../../src/cli/temporal';

// `handoff temporal …` points the Temporal CLI at the configured server, unless the arguments name
// one; the launcher prints commands with shellQuote that a shell runs unchanged.

const target = { address: '127.0.0.1:17233', namespace: 'handoffs' };

test('client commands get the configured address and namespace', () => {
  expect(withConnectionFlags(['workflow', 'list', '--query', "HandoffStage='in_review'"], target)).toEqual([
    'workflow', 'list', '--query', "HandoffStage='in_review'", '--address', '127.0.0.1:17233', '--namespace', 'handoffs',
  ]);
  expect(withConnectionFlags(['operator', 'search-attribute', 'list'], target)).toContain('--address');
});

test('an address, namespace or environment given on the command line is kept', () => {
  expect(withConnectionFlags(['workflow', 'list', '--address', 'other:7233'], target)).toEqual(['workflow', 'list', '--address', 'other:7233', '--namespace', 'handoffs']);
  expect(withConnectionFlags(['workflow', 'list', '--address=other:7233', '-n', 'x'], target)).toEqual(['workflow', 'list', '--address=other:7233', '-n', 'x']);
  expect(withConnectionFlags(['workflow', 'list', '--env', 'prod'], target)).toEqual(['workflow', 'list', '--env', 'prod']);
});

test('commands that take no server (server, env, --version) are passed through unchanged', () => {
  expect(withConnectionFlags(['server', 'start-dev', '--namespace', 'x'], target)).toEqual(['server', 'start-dev', '--namespace', 'x']);
  expect(withConnectionFlags(['--version'], target)).toEqual(['--version']);
  expect(withConnectionFlags(['env', 'list'], target)).toEqual(['env', 'list']);
});

test('flags go before a `--` so its arguments stay last', () => {
  expect(withConnectionFlags(['workflow', 'start', '--', '--address'], target)).toEqual([
    'workflow', 'start', '--address', '127.0.0.1:17233', '--namespace', 'handoffs', '--', '--address',
  ]);
});

test('shellQuote leaves plain words alone and quotes the rest so a shell reads them back unchanged', () => {
  expect(shellQuote('/work/main/.tools/bin/temporal')).toBe('/work/main/.tools/bin/temporal');
  expect(shellQuote('TEMPORAL_ADDRESS=127.0.0.1:7300')).toBe('TEMPORAL_ADDRESS=127.0.0.1:7300');
  expect(shellQuote("HandoffStage='in_review'")).toBe(`"HandoffStage='in_review'"`);
  expect(shellQuote('it\'s $HOME')).toBe(`'it'\\''s $HOME'`);
  expect(shellQuote('/path with space/temporal')).toBe('"/path with space/temporal"');
  for (const arg of ["HandoffStage='in_review'", 'it\'s $HOME', 'a "b" `c` \\d !e', '/path with space/temporal']) {
    expect(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(arg)}`]).toString()).toBe(arg);
  }
});
