import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { draftWithLlm, type LlmConfig } from '../src/activities/llm-drafter';
import { draftPacket } from '../src/domain/draft';
import { IntakeBundle } from '../src/domain/intake';
import type { PacketContent } from '../src/domain/packet';
import { redactBundle } from '../src/domain/redact';
import { BundleLabels, findingTypes, rates, scorePacket, type Mismatch, type Score } from './score';

// npm run eval [-- --llm] [--verbose] [--half dev|heldout]: drafts every corpus bundle and prints
// precision and recall per finding type on the development and held-out halves.

export const EVAL_DIR = __dirname;
export const halves = ['dev', 'heldout'] as const;
export type Half = (typeof halves)[number];

export interface CorpusCase { name: string; bundle: IntakeBundle; labels: BundleLabels }

export function loadHalf(half: Half): CorpusCase[] {
  const dir = join(EVAL_DIR, 'corpus', half);
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((file) => ({
    name: file.replace(/\.json$/, ''),
    bundle: IntakeBundle.parse(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
    labels: BundleLabels.parse(JSON.parse(readFileSync(join(EVAL_DIR, 'labels', half, file), 'utf8'))),
  }));
}

export type Drafter = (bundle: IntakeBundle) => Promise<PacketContent> | PacketContent;

export async function evaluate(cases: CorpusCase[], drafter: Drafter): Promise<{ score: Score; mismatches: Array<Mismatch & { bundle: string }>; packets: PacketContent[] }> {
  const score: Score = new Map();
  const mismatches: Array<Mismatch & { bundle: string }> = [];
  const packets: PacketContent[] = [];
  for (const c of cases) {
    const packet = await drafter(c.bundle);
    packets.push(packet);
    const secretDocs = [...new Set(redactBundle(c.bundle).findings.flatMap((f) => (f.documentId ? [f.documentId] : [])))];
    const found: Mismatch[] = [];
    scorePacket(packet, c.labels, secretDocs, score, found);
    mismatches.push(...found.map((m) => ({ ...m, bundle: c.name })));
  }
  return { score, mismatches, packets };
}

const pct = (v: number | undefined): string => (v === undefined ? '–' : v.toFixed(2));

export function table(scores: Record<Half, Score>): string {
  const rows = ['| finding | dev P | dev R | dev n | held-out P | held-out R | held-out n |', '| --- | --- | --- | --- | --- | --- | --- |'];
  for (const type of findingTypes) {
    const cells = halves.flatMap((h) => {
      const c = scores[h].get(type) ?? { tp: 0, fp: 0, fn: 0 };
      const r = rates(c);
      return [pct(r.precision), pct(r.recall), String(c.tp + c.fn)];
    });
    rows.push(`| ${type} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const llm = args.includes('--llm');
  const only = args.includes('--half') ? (args[args.indexOf('--half') + 1] as Half) : undefined;
  const drafter = llm ? await llmDrafter() : (b: IntakeBundle) => draftPacket(b);
  if (!drafter) return;
  const scores = {} as Record<Half, Score>;
  for (const half of halves) {
    const cases = loadHalf(half);
    const result = await evaluate(only && only !== half ? [] : cases, drafter);
    scores[half] = result.score;
    if (verbose && (!only || only === half)) {
      for (const m of result.mismatches) console.log(`${half} ${m.bundle} ${m.type} ${m.kind}: ${m.what}`);
    }
    if (llm) usageLine(half, result.packets);
  }
  console.log(`Eval corpus (${resolve(EVAL_DIR, 'corpus')}), drafter: ${llm ? 'llm' : 'rules'}\n`);
  console.log(table(scores));
}

// The LLM path: the same packets through Claude (draftWithLlm), plus tokens and cost per packet.
async function llmDrafter(): Promise<Drafter | undefined> {
  if (!process.env.ANTHROPIC_API_KEY) {
    console.error('--llm needs ANTHROPIC_API_KEY (and optionally ANTHROPIC_MODEL, ANTHROPIC_BASE_URL).');
    process.exitCode = 2;
    return undefined;
  }
  return llmDrafterWith({
    apiKey: process.env.ANTHROPIC_API_KEY,
    model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-4-5',
    maxTokens: Number(process.env.ANTHROPIC_MAX_TOKENS ?? 8192),
    timeoutMs: Number(process.env.ANTHROPIC_TIMEOUT_MS ?? 120_000),
    baseURL: process.env.ANTHROPIC_BASE_URL,
  });
}

export const llmDrafterWith = (config: LlmConfig): Drafter => (b) => draftWithLlm(b, config);

export interface UsageSummary { packets: number; inputTokens: number; outputTokens: number; usd: number }

/** Mean tokens and cost per packet; prices per million tokens (Sonnet 4.5 list prices unless given). */
export function usageSummary(packets: PacketContent[], prices = { input: 3, output: 15 }): UsageSummary | undefined {
  const usage = packets.map((p) => p.drafting?.usage).filter((u): u is NonNullable<typeof u> => Boolean(u));
  if (usage.length === 0) return undefined;
  const inputTokens = usage.reduce((s, u) => s + u.inputTokens, 0) / usage.length;
  const outputTokens = usage.reduce((s, u) => s + u.outputTokens, 0) / usage.length;
  return { packets: usage.length, inputTokens, outputTokens, usd: (inputTokens * prices.input + outputTokens * prices.output) / 1e6 };
}

function usageLine(half: Half, packets: PacketContent[]): void {
  const u = usageSummary(packets, { input: Number(process.env.EVAL_PRICE_IN ?? 3), output: Number(process.env.EVAL_PRICE_OUT ?? 15) });
  if (!u) return;
  console.log(`${half}: ${u.packets} packets, per packet ${Math.round(u.inputTokens)} input + ${Math.round(u.outputTokens)} output tokens, about $${u.usd.toFixed(4)}`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
