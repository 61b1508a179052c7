import type { Citation, Packet, PacketContent } from './packet';

// The packet as a delivery lead reads it: sections of bullets, every claim footnoted with the
// verbatim quote it rests on. Pure string building.

export function renderPacketMarkdown(packet: PacketContent | Packet): string {
  const notes = new Footnotes();
  const meta = 'version' in packet ? ` · version ${packet.version} · ${packet.hash}` : '';
  const out: string[] = [`# Handoff packet: ${packet.dealId}`, '', `Drafted by ${packet.draftedBy}${meta}. Completeness ${Math.round(packet.completeness.score * 100)}%.`];

  section(out, 'Gates', packet.gates.passed
    ? ['All intake gates passed.']
    : packet.gates.failures.map((f) => `**${f.code}**${f.field ? ` (\`${f.field}\`)` : ''}: ${f.detail}${notes.refs(f.sources)}`));
  section(out, 'Buyer goal', packet.buyerGoal ? [`${packet.buyerGoal.statement} Urgency: **${packet.buyerGoal.urgency}**.${notes.refs(packet.buyerGoal.sources)}`] : []);
  section(out, 'Contract facts', packet.contractFacts.map((f) => `${f.statement}${notes.refs(f.sources)}`));
  section(out, 'Sold scope', packet.soldScope.map((s) => `${s.item}${notes.refs(s.sources)}`));
  section(out, 'Not sold', packet.notSold.map((s) => `${s.item}${notes.refs(s.sources)}`));
  section(out, 'Implied promises (need review)', packet.impliedPromises.map((p) => `**${p.category.replace(/_/g, ' ')}**, ${p.reason}: ${p.statement}${notes.refs(p.sources)}`));
  section(out, 'Buyer intent', packet.buyerIntent.map((s) => `${s.statement}${notes.refs(s.sources)}`));
  section(out, 'Ambiguities', packet.ambiguities.map((a) => `${a.issue}${notes.refs(a.sources)}`));
  section(out, 'Risks', packet.risks.map((r) => `**${r.severity}**: ${r.risk}${notes.refs(r.sources)}`));
  section(out, 'Dependencies', packet.dependencies.map((d) => `${d.dependency}: owner **${d.owner}**${notes.refs(d.sources)}`));
  section(out, 'Stakeholders', packet.stakeholders.map((s) => `${s.name}${s.title ? `, ${s.title}` : ''} (${s.side}, ${s.role})${notes.refs(s.sources)}`));
  section(out, 'First 30 days: success criteria', packet.firstThirtyDayCriteria.map((c) => `${c.criterion}${notes.refs(c.sources)}`));
  section(out, 'First milestone plan', packet.firstMilestonePlan.map((m) => `${m.due}: ${m.milestone} (owner ${m.owner})`));
  section(out, 'Open questions', packet.openQuestions.map((q) => `${q.blocking ? '**blocking** ' : ''}[${q.id}] for ${q.askOf.replace(/_/g, ' ')}: ${q.question}`));
  section(out, 'Review items', packet.reviewItems.map((r) => `[${r.id}] ${r.category.replace(/_/g, ' ')} → ${r.routeTo}: ${r.summary}${notes.refs(r.sources)}`));
  if (packet.completeness.missing.length > 0) section(out, 'Missing sections', packet.completeness.missing.map((m) => m));

  out.push('', ...notes.render());
  return out.join('\n').trimEnd() + '\n';
}

function section(out: string[], title: string, bullets: string[]): void {
  out.push('', `## ${title}`, '');
  out.push(...(bullets.length > 0 ? bullets.map((b) => `- ${oneLine(b)}`) : ['_None._']));
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

// The same quote cited twice keeps one footnote number.
class Footnotes {
  private readonly numbers = new Map<string, number>();
  private readonly lines: string[] = [];

  refs(sources: Citation[]): string {
    return sources.map((s) => `[^${this.number(s)}]`).join('');
  }

  render(): string[] {
    return this.lines.length > 0 ? ['## Sources', '', ...this.lines] : [];
  }

  private number(source: Citation): number {
    const key = `${source.documentId}\u0000${source.quote}`;
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.numbers.size + 1;
      this.numbers.set(key, n);
      this.lines.push(`[^${n}]: ${source.documentId}${source.page ? `, p. ${source.page}` : ''} — "${oneLine(source.quote)}"`);
    }
    return n;
  }
}
