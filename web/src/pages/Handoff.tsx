import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok, type Citation, type HandoffView, type Packet } from '../api/client';
import { Actions, ReviewItems, Questions } from '../components/Actions';
import { CitationOpener, Cites, SourcePanel } from '../components/Citations';
import { ErrorNote, formatTime, Loading, StageBadge, stageLabel } from '../components/common';
import { PacketView, statementLines } from '../components/PacketView';

/** One packet version as JSON (the route also speaks Markdown, hence the narrowing). */
async function fetchPacket(id: string, version: number): Promise<Packet> {
  return ok(await api.GET('/handoffs/{id}/packet', { params: { path: { id }, query: { version: String(version) } } })) as Packet;
}

const flow = ['intake', 'waiting_for_evidence', 'drafting', 'in_review', 'awaiting_signoff', 'kickoff_release', 'first_milestone', 'completed'] as const;

/** When each stage was entered: the stage changes the workflow history records (latest entry wins). */
function Timeline({ view, history }: { view: HandoffView; history?: Array<{ detail?: string; time: string | null }> }) {
  const entered = new Map<string, string>();
  for (const event of history ?? []) if (event.detail?.startsWith('stage:') && event.time) entered.set(event.detail.slice(6), event.time);
  if (view.stageEnteredAt) entered.set(view.stage, view.stageEnteredAt);
  const stages: readonly string[] = view.stage === 'cancelled' ? [...flow.filter((s) => entered.has(s)), 'cancelled'] : flow;
  const current = stages.indexOf(view.stage);
  return (
    <ol className="timeline" aria-label="Stage timeline">
      {stages.map((stage, i) => (
        <li key={stage} className={i < current ? 'done' : i === current ? 'current' : 'todo'} aria-current={i === current ? 'step' : undefined}>
          <span className="stage-name">{stageLabel(stage)}</span>
          <span className="stage-time">{entered.has(stage) ? formatTime(entered.get(stage)) : i < current ? 'passed' : ''}</span>
        </li>
      ))}
    </ol>
  );
}

/** What changed between the previous packet version and this one. */
function VersionDiff({ id, version }: { id: string; version: number }) {
  const both = useQuery({
    queryKey: ['packet-diff', id, version],
    queryFn: async () => {
      const [before, after] = await Promise.all([version - 1, version].map((v) => fetchPacket(id, v)));
      const was = new Set(statementLines(before));
      const now = new Set(statementLines(after));
      return { added: [...now].filter((l) => !was.has(l)), removed: [...was].filter((l) => !now.has(l)) };
    },
    refetchInterval: false,
    staleTime: Infinity,
  });
  return (
    <section className="diff" aria-labelledby="diff-title">
      <h2 id="diff-title">What changed from version {version - 1} to {version}</h2>
      <ErrorNote error={both.error} />
      {both.data ? (
        both.data.added.length + both.data.removed.length === 0 ? (
          <p className="muted">No statement changed.</p>
        ) : (
          <ul className="statements" data-testid="diff">
            {both.data.added.map((l) => <li key={`+${l}`} className="added"><span className="sr-only">Added: </span>{l}</li>)}
            {both.data.removed.map((l) => <li key={`-${l}`} className="removed"><span className="sr-only">Removed: </span>{l}</li>)}
          </ul>
        )
      ) : null}
    </section>
  );
}

export function HandoffPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [citation, setCitation] = useState<Citation | null>(null);
  const view = useQuery({ queryKey: ['handoff', id], queryFn: async () => ok(await api.GET('/handoffs/{id}', { params: { path: { id } } })) });
  const version = view.data?.packet?.version;
  const packet = useQuery({
    queryKey: ['packet', id, version],
    enabled: version !== undefined,
    queryFn: () => fetchPacket(id, version!),
    refetchInterval: false,
    staleTime: Infinity,
  });
  const history = useQuery({ queryKey: ['history', id, view.data?.stage], enabled: !!view.data, queryFn: async () => ok(await api.GET('/handoffs/{id}/history', { params: { path: { id } } })), refetchInterval: false });
  const released = !!view.data?.release;
  const kickoff = useQuery({ queryKey: ['kickoff', id], enabled: released, queryFn: async () => ok(await api.GET('/handoffs/{id}/kickoff', { params: { path: { id } } })), refetchInterval: false });

  if (view.isPending) return <Loading what="the handoff" />;
  // A failed refresh keeps what was shown (saying so); only a first load that failed shows the error alone.
  if (view.error && !view.data) return <ErrorNote error={view.error} />;
  const v = view.data;
  return (
    <CitationOpener.Provider value={setCitation}>
      <div className={citation ? 'with-source' : undefined}>
        <div className="handoff">
          <h1>
            {v.customerName} <span className="muted">· {v.dealId}</span>
          </h1>
          {view.error ? <p className="muted" role="status">Could not refresh; showing what was last loaded.</p> : null}
          <p className="summary-line">
            <StageBadge stage={v.stage} />
            {v.packet ? (
              <span data-testid="packet-version">
                {' '}Packet v{v.packet.version} <code title={v.packet.hash}>{v.packet.hash.slice(0, 19)}…</code> · drafted by {v.packet.draftedBy}
              </span>
            ) : null}
            {' '}· <a href={v.links.temporalUi} target="_blank" rel="noreferrer">History in the Temporal UI</a>
          </p>
          <Timeline view={v} history={history.data?.list} />
          {v.cancelled ? <p className="error" role="status">Cancelled by {v.cancelled.by}: {v.cancelled.reason}</p> : null}
          {v.releaseBlocked ? <p className="error" role="status">Kickoff release held: {v.releaseBlocked.reason}</p> : null}

          {v.gateFailures.length ? (
            <section aria-labelledby="gates-title">
              <h2 id="gates-title">Gate failures</h2>
              <ul className="statements">
                {v.gateFailures.map((g, i) => (
                  <li key={i}>
                    <span className="badge overdue">{g.code.replace(/_/g, ' ')}</span> {g.detail} {g.field ? <span className="muted">(needs: {g.field})</span> : null} <Cites sources={g.sources} />
                  </li>
                ))}
              </ul>
            </section>
          ) : null}

          <ReviewItems view={v} />
          <Questions view={v} />
          <Actions view={v} onNewVersion={() => queryClient.invalidateQueries({ queryKey: ['handoff', id] })} />

          {v.packet && v.packet.version > 1 ? <VersionDiff id={id} version={v.packet.version} /> : null}

          {kickoff.data ? (
            <section aria-labelledby="kickoff-title" className="kickoff">
              <h2 id="kickoff-title">Kickoff materials</h2>
              <p className="muted">Released {formatTime(kickoff.data.releasedAt)} from packet v{kickoff.data.packetVersion}</p>
              <h3>Agenda</h3>
              <ol>{kickoff.data.agenda.map((line, i) => <li key={i}>{line}</li>)}</ol>
              <h3>Customer email</h3>
              <pre className="doc-text">{kickoff.data.customerEmail}</pre>
            </section>
          ) : null}

          <section aria-labelledby="packet-title">
            <h2 id="packet-title">Packet{version ? ` v${version}` : ''}</h2>
            {!version ? <p className="muted">No packet drafted yet.</p> : null}
            <ErrorNote error={packet.error} />
            {packet.data ? <PacketView packet={packet.data} /> : null}
          </section>
        </div>
        {citation ? <SourcePanel handoffId={id} citation={citation} onClose={() => setCitation(null)} /> : null}
      </div>
    </CitationOpener.Provider>
  );
}
