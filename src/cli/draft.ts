import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { draftPacket } from '../domain/draft';
import { checkTrigger } from '../domain/gates';
import { handoffIdFor, IntakeBundle } from '../domain/intake';
import { finalizePacket } from '../domain/packet-hash';
import { renderPacketMarkdown } from '../domain/packet-render';
import type { CliIo } from './main';

// `handoff draft <bundle.json>`: gates and the rules drafter offline. Failing gates are data in
// the packet (exit 0); a bundle that is not a valid handoff exits 2 with one line naming the field.

const EXIT_OK = 0;
const EXIT_INVALID = 2;

class InvalidInput extends Error {}

export async function draftCommand(args: string[], io: CliIo): Promise<number> {
  try {
    const { file, format, now } = parseDraftArgs(args);
    const bundle = parseBundle(await readBundleFile(file));
    const content = draftPacket(bundle, { now });
    const packet = finalizePacket(content, { handoffId: handoffIdFor(bundle.dealId), version: 1 });
    io.stdout(format === 'md' ? renderPacketMarkdown(packet) : `${JSON.stringify(packet, null, 2)}\n`);
    return EXIT_OK;
  } catch (err) {
    if (!(err instanceof InvalidInput)) throw err;
    io.stderr(`handoff: ${err.message.replace(/\s*\n\s*/g, ' ')}\n`);
    return EXIT_INVALID;
  }
}

function parseDraftArgs(args: string[]): { file: string; format: 'json' | 'md'; now: Date } {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { format: { type: 'string', default: 'json' }, now: { type: 'string' } },
    });
  } catch (err) {
    throw new InvalidInput(`usage: ${(err as Error).message}`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1) throw new InvalidInput('usage: handoff draft <bundle.json> [--format json|md] [--now ISO]');
  if (values.format !== 'json' && values.format !== 'md') throw new InvalidInput(`--format must be json or md, not "${values.format}"`);
  // The gates need a clock; --now makes a draft reproducible.
  const now = values.now === undefined ? new Date() : new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new InvalidInput(`--now is not an ISO date-time: "${values.now}"`);
  return { file: positionals[0], format: values.format, now };
}

async function readBundleFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidInput(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidInput(`invalid bundle: not JSON: ${(err as Error).message}`);
  }
}

function parseBundle(input: unknown): IntakeBundle {
  const trigger = checkTrigger(input);
  if (trigger) throw new InvalidInput(`invalid bundle: trigger: ${trigger.detail}`);
  const result = IntakeBundle.safeParse(input);
  if (!result.success) throw new InvalidInput(`invalid bundle: ${describeIssues(result.error)}`);
  return result.data;
}

function describeIssues(error: z.ZodError): string {
  const [first, ...rest] = error.issues;
  const path = first.path.length > 0 ? first.path.join('.') : '(root)';
  return `${path}: ${first.message}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}
