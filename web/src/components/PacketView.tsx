import type { Packet } from '../api/client';
import { Cites } from './Citations';

type Cited = { sources: Packet['contractFacts'][number]['sources'] };

function Statements<T extends Cited>({ items, text, extra, empty = 'None.' }: { items: T[]; text: (item: T) => string; extra?: (item: T) => React.ReactNode; empty?: string }) {
  if (!items.length) return <p className="muted">{empty}</p>;
  return (
    <ul className="statements">
      {items.map((item, i) => (
        <li key={i}>
          {extra ? extra(item) : null}
          <span className="statement">{text(item)}</span> <Cites sources={item.sources} />
        </li>
      ))}
    </ul>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <section className="packet-section" aria-labelledby={`sec-${id}`}>
      <h3 id={`sec-${id}`}>{title}</h3>
      {children}
    </section>
  );
}

/** The packet as INTAKE.md lays it out: every statement with its citation chips. */
export function PacketView({ packet }: { packet: Packet }) {
  return (
    <div className="packet">
      <Section id="goal" title="Buyer goal and urgency">
        {packet.buyerGoal ? (
          <p>
            <span className={`badge urgency-${packet.buyerGoal.urgency}`}>{packet.buyerGoal.urgency} urgency</span> <span className="statement">{packet.buyerGoal.statement}</span>{' '}
            <Cites sources={packet.buyerGoal.sources} />
          </p>
        ) : (
          <p className="muted">No buyer goal found in the evidence.</p>
        )}
      </Section>
      <div className="side-by-side">
        <Section id="facts" title="Contract facts">
          <Statements items={packet.contractFacts} text={(s) => s.statement} />
        </Section>
        <Section id="intent" title="Buyer intent">
          <Statements items={packet.buyerIntent} text={(s) => s.statement} />
        </Section>
      </div>
      <div className="side-by-side">
        <Section id="sold" title="Sold scope">
          <Statements items={packet.soldScope} text={(s) => s.item} />
        </Section>
        <Section id="notsold" title="Not sold">
          <Statements items={packet.notSold} text={(s) => s.item} />
        </Section>
      </div>
      <Section id="promises" title="Implied promises">
        <Statements
          items={packet.impliedPromises}
          text={(s) => s.statement}
          extra={(s) => (
            <>
              <span className="badge">{s.category.replace(/_/g, ' ')}</span> <span className="badge reason">{s.reason}</span>{' '}
            </>
          )}
        />
      </Section>
      <Section id="ambiguities" title="Ambiguities">
        <Statements items={packet.ambiguities} text={(s) => s.issue} />
      </Section>
      <Section id="risks" title="Risks">
        <Statements items={packet.risks} text={(s) => s.risk} extra={(s) => <span className={`badge severity-${s.severity}`}>{s.severity}</span>} />
      </Section>
      <Section id="deps" title="Dependencies and owners">
        <Statements items={packet.dependencies} text={(s) => s.dependency} extra={(s) => <span className={`badge owner-${s.owner}`}>owner: {s.owner}</span>} />
      </Section>
      <Section id="criteria" title="First-30-day success criteria">
        <Statements items={packet.firstThirtyDayCriteria} text={(s) => s.criterion} />
      </Section>
      <Section id="milestones" title="Milestone plan">
        {packet.firstMilestonePlan.length ? (
          <table className="list">
            <thead>
              <tr><th scope="col">Milestone</th><th scope="col">Due</th><th scope="col">Owner</th><th scope="col">Depends on</th></tr>
            </thead>
            <tbody>
              {packet.firstMilestonePlan.map((m, i) => (
                <tr key={i}><td>{m.milestone}</td><td>{m.due}</td><td>{m.owner}</td><td>{m.dependsOn.join(', ') || '—'}</td></tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">No milestones.</p>
        )}
      </Section>
      <Section id="questions" title="Open questions">
        {packet.openQuestions.length ? (
          <ul className="statements">
            {packet.openQuestions.map((q) => (
              <li key={q.id}>{q.blocking ? <span className="badge overdue">blocking</span> : null} {q.question} <span className="muted">(ask {q.askOf.replace(/_/g, ' ')})</span></li>
            ))}
          </ul>
        ) : (
          <p className="muted">None.</p>
        )}
      </Section>
      <Section id="completeness" title="Completeness">
        <p>
          <meter min={0} max={1} value={packet.completeness.score} aria-label="Completeness" /> {Math.round(packet.completeness.score * 100)}%
          {packet.completeness.missing.length ? <> · missing: {packet.completeness.missing.join(', ')}</> : null}
        </p>
      </Section>
    </div>
  );
}

/** Every statement of a packet as "section: text", to tell what changed between versions. */
export function statementLines(packet: Packet): string[] {
  return [
    ...(packet.buyerGoal ? [`Buyer goal: ${packet.buyerGoal.statement}`] : []),
    ...packet.contractFacts.map((s) => `Contract fact: ${s.statement}`),
    ...packet.buyerIntent.map((s) => `Buyer intent: ${s.statement}`),
    ...packet.soldScope.map((s) => `Sold: ${s.item}`),
    ...packet.notSold.map((s) => `Not sold: ${s.item}`),
    ...packet.impliedPromises.map((s) => `Implied promise: ${s.statement}`),
    ...packet.ambiguities.map((s) => `Ambiguity: ${s.issue}`),
    ...packet.risks.map((s) => `Risk: ${s.risk}`),
    ...packet.dependencies.map((s) => `Dependency: ${s.dependency} (${s.owner})`),
    ...packet.firstThirtyDayCriteria.map((s) => `Criterion: ${s.criterion}`),
    ...packet.firstMilestonePlan.map((m) => `Milestone: ${m.milestone} by ${m.due}`),
    ...packet.openQuestions.map((q) => `Question: ${q.question}`),
    ...packet.reviewItems.map((r) => `Review item: ${r.summary}`),
  ];
}
