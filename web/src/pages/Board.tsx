import { useQuery } from '@tanstack/react-query';
import { useDeferredValue, useId, useState } from 'react';
import { Link } from 'wouter';
import { api, ok, type Schemas } from '../api/client';
import { ErrorNote, Loading, StageBadge, stageLabel } from '../components/common';

const stages = ['intake', 'waiting_for_evidence', 'drafting', 'in_review', 'awaiting_signoff', 'kickoff_release', 'first_milestone', 'completed', 'cancelled'] as const;
type Stage = (typeof stages)[number];
type Summary = Schemas['HandoffSummary'];

/** Overdue on the board: the kickoff date has passed and the kickoff material is not released yet. */
const released = new Set(['first_milestone', 'completed', 'cancelled']);
export const isOverdue = (h: Summary, today = new Date().toISOString().slice(0, 10)) => !!h.kickoffTarget && h.kickoffTarget < today && !released.has(h.stage);

const MAX_PAGES = 10;

/** Every handoff the caller may see (ops: all), by stage; filtered by owner, customer search and overdue. */
export function BoardPage() {
  const [stage, setStage] = useState<Stage | ''>('');
  const [owner, setOwner] = useState('');
  const [search, setSearch] = useState('');
  const [overdueOnly, setOverdueOnly] = useState(false);
  const filters = { stage: stage || undefined, owner: useDeferredValue(owner.trim()) || undefined, customer: useDeferredValue(search.trim()) || undefined };
  const list = useQuery({
    queryKey: ['board', filters],
    queryFn: async () => {
      const items: Summary[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const data = ok(await api.GET('/handoffs', { params: { query: { ...filters, limit: '100', cursor } } }));
        items.push(...data.items);
        cursor = data.nextCursor ?? undefined;
        if (!cursor) break;
      }
      return { items, more: !!cursor };
    },
    placeholderData: (previous) => previous,
  });
  // The Temporal UI address is the API's to give: read it off one handoff's links.
  const first = list.data?.items[0]?.handoffId;
  const ui = useQuery({
    queryKey: ['temporal-ui', first],
    enabled: !!first,
    refetchInterval: false,
    staleTime: Infinity,
    queryFn: async () => ok(await api.GET('/handoffs/{id}', { params: { path: { id: first! } } })).links.temporalUi.replace(/\/workflows\/[^/]*$/, '/workflows/'),
  });
  const ids = { stage: useId(), owner: useId(), search: useId(), overdue: useId() };
  const shown = (list.data?.items ?? []).filter((h) => !overdueOnly || isOverdue(h));
  const byStage = new Map<string, Summary[]>();
  for (const h of shown) byStage.set(h.stage, [...(byStage.get(h.stage) ?? []), h]);
  return (
    <>
      <h1>Board</h1>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={ids.search}>Search customer</label>
          <input id={ids.search} type="search" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.owner}>Owner id</label>
          <input id={ids.owner} value={owner} onChange={(e) => setOwner(e.target.value)} placeholder="u-chen" />
        </div>
        <div className="field">
          <label htmlFor={ids.stage}>Stage</label>
          <select id={ids.stage} value={stage} onChange={(e) => setStage(e.target.value as Stage | '')}>
            <option value="">All stages</option>
            {stages.map((s) => <option key={s} value={s}>{stageLabel(s)}</option>)}
          </select>
        </div>
        <div className="field check">
          <input id={ids.overdue} type="checkbox" checked={overdueOnly} onChange={(e) => setOverdueOnly(e.target.checked)} />
          <label htmlFor={ids.overdue}>Overdue only (kickoff date passed, not released)</label>
        </div>
      </form>
      {list.isPending ? <Loading what="handoffs" /> : null}
      <ErrorNote error={list.error} />
      {list.data ? (
        <p className="muted" role="status">
          {shown.length} handoff{shown.length === 1 ? '' : 's'}{list.data.more ? ` (the newest ${list.data.items.length}; narrow the filters to see others)` : ''}
        </p>
      ) : null}
      <div className="board">
        {stages
          .filter((s) => byStage.has(s))
          .map((s) => (
            <section key={s} className="column" aria-labelledby={`col-${s}`}>
              <h2 id={`col-${s}`}>
                {stageLabel(s)} <span className="count">{byStage.get(s)!.length}</span>
              </h2>
              <ul>
                {byStage.get(s)!.map((h) => (
                  <li key={h.handoffId} className="card" data-testid="board-card" data-handoff={h.handoffId}>
                    <Link href={`/handoff/${h.handoffId}`}>{h.customerName}</Link>
                    <div className="muted">{h.dealId} · <StageBadge stage={h.stage} />{isOverdue(h) ? <span className="badge overdue">Overdue</span> : null}</div>
                    <div className="muted">
                      Owners: {[h.owners.handoffOwner, h.owners.sales, h.owners.implementation].filter(Boolean).join(', ') || '—'} · kickoff {h.kickoffTarget ?? '—'}
                      {h.packetVersion ? ` · packet v${h.packetVersion}` : ''}
                    </div>
                    {ui.data ? (
                      <a href={`${ui.data}${encodeURIComponent(h.handoffId)}`} target="_blank" rel="noreferrer">
                        Temporal history<span className="sr-only"> of {h.handoffId}</span>
                      </a>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ))}
      </div>
    </>
  );
}
