import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, ok, type Schemas } from '../api/client';
import { ErrorNote, Loading } from '../components/common';

type Group = Schemas['MeasurementSummary']['overall'];
const pct = (v: number | null | undefined) => (v == null ? '—' : `${Math.round(v * 1000) / 10}%`);
const num = (v: number | null | undefined) => (v == null ? '—' : String(Math.round(v * 100) / 100));

/** Acceptance rate per month against the pilot threshold: a uPlot line chart, its numbers in a table beside it. */
function AcceptanceChart({ months, threshold }: { months: Group[]; threshold: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || !months.length) return;
    const xs = months.map((_, i) => i);
    const plot = new uPlot(
      {
        width: Math.max(280, Math.min(640, box.current.clientWidth || 480)),
        height: 220,
        scales: { x: { time: false }, y: { range: [0, 100] } },
        axes: [{ values: (_u, ticks) => ticks.map((t) => months[t]?.key ?? '') , incrs: [1] }, { values: (_u, ticks) => ticks.map((t) => `${t}%`) }],
        series: [
          {},
          { label: 'Acceptance', stroke: '#1d4ed8', width: 2, points: { size: 7 } },
          { label: `Threshold ${threshold * 100}%`, stroke: '#b91c1c', dash: [6, 4], width: 1.5, points: { show: false } },
        ],
      },
      [xs, months.map((m) => (m.acceptanceRate == null ? null : m.acceptanceRate * 100)), months.map(() => threshold * 100)],
      box.current,
    );
    return () => plot.destroy();
  }, [months, threshold]);
  return <div ref={box} className="chart" role="img" aria-label={`Acceptance rate by month against the ${threshold * 100}% threshold; the table beside it has the numbers`} />;
}

/** A bar as a native <meter>: no inline styles (the CSP forbids them), and screen readers read its value. */
function Bar({ label, value, max, text }: { label: string; value: number; max: number; text: string }) {
  return (
    <div className="bar">
      <span className="bar-label">{label}</span>
      <meter min={0} max={Math.max(max, 1)} value={value} aria-label={label} />
      <span className="bar-value">{text}</span>
    </div>
  );
}

export default function DashboardPage() {
  const overall = useQuery({ queryKey: ['metrics', 'all'], queryFn: async () => ok(await api.GET('/metrics/handoffs', {})) });
  const byMonth = useQuery({ queryKey: ['metrics', 'month'], queryFn: async () => ok(await api.GET('/metrics/handoffs', { params: { query: { groupBy: 'month' } } })) });
  const byOwner = useQuery({ queryKey: ['metrics', 'owner'], queryFn: async () => ok(await api.GET('/metrics/handoffs', { params: { query: { groupBy: 'owner' } } })) });
  const error = overall.error ?? byMonth.error ?? byOwner.error;
  if (error) return <><h1>Dashboard</h1><ErrorNote error={error} /></>;
  if (!overall.data || !byMonth.data || !byOwner.data) return <><h1>Dashboard</h1><Loading what="measurements" /></>;
  const o = overall.data.overall;
  const threshold = overall.data.pilotThreshold;
  const funnel: Array<[string, number]> = [
    ['Handoffs measured', o.handoffs],
    ['Accepted (both signed)', o.accepted],
    ['First milestone met', o.milestoneReadiness.met],
  ];
  return (
    <>
      <h1>Dashboard</h1>
      <dl className="counts" aria-label="Headline figures">
        <div><dt>Acceptance rate</dt><dd data-testid="acceptance-rate">{pct(o.acceptanceRate)}</dd></div>
        <div><dt>Pilot threshold</dt><dd>{pct(threshold)}</dd></div>
        <div><dt>Meets it</dt><dd>{o.meetsPilotThreshold == null ? '—' : o.meetsPilotThreshold ? 'yes' : 'no'}</dd></div>
        <div><dt>Handoffs</dt><dd data-testid="metric-handoffs">{o.handoffs}</dd></div>
        <div><dt>Accepted</dt><dd data-testid="metric-accepted">{o.accepted}</dd></div>
      </dl>

      <section aria-labelledby="acc-title" className="panel">
        <h2 id="acc-title">Acceptance over time</h2>
        <div className="chart-with-numbers">
          <AcceptanceChart months={byMonth.data.groups} threshold={threshold} />
          <table className="list">
            <thead><tr><th scope="col">Month</th><th scope="col">Handoffs</th><th scope="col">Accepted</th><th scope="col">Rate</th></tr></thead>
            <tbody>
              {byMonth.data.groups.map((g) => (
                <tr key={g.key}><td>{g.key}</td><td>{g.handoffs}</td><td>{g.accepted}</td><td className={g.meetsPilotThreshold === false ? 'below' : undefined}>{pct(g.acceptanceRate)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <div className="panels">
        <section aria-labelledby="funnel-title" className="panel">
          <h2 id="funnel-title">Stage funnel</h2>
          {funnel.map(([label, value]) => <Bar key={label} label={label} value={value} max={funnel[0][1]} text={String(value)} />)}
          <p className="muted">Returned for missing context: {o.returnedForContext}</p>
        </section>
        <section aria-labelledby="quality-title" className="panel">
          <h2 id="quality-title">Before kickoff</h2>
          <Bar label="Open questions before kickoff (avg)" value={o.openQuestionsBeforeKickoff.average ?? 0} max={Math.max(5, o.openQuestionsBeforeKickoff.average ?? 0)} text={num(o.openQuestionsBeforeKickoff.average)} />
          <Bar label="Rework: redrafts (avg)" value={o.rework.average ?? 0} max={Math.max(3, o.rework.average ?? 0)} text={num(o.rework.average)} />
          <Bar label="Expectation gaps (avg)" value={o.expectationGaps.average ?? 0} max={Math.max(5, o.expectationGaps.average ?? 0)} text={num(o.expectationGaps.average)} />
          <Bar label="Packet completion (avg)" value={o.packetCompletion.average ?? 0} max={1} text={pct(o.packetCompletion.average)} />
          <Bar label="First-milestone readiness" value={o.milestoneReadiness.rate ?? 0} max={1} text={`${pct(o.milestoneReadiness.rate)} (${o.milestoneReadiness.met} met, ${o.milestoneReadiness.notMet} not met)`} />
        </section>
      </div>

      <section aria-labelledby="owner-title" className="panel">
        <h2 id="owner-title">Per owner</h2>
        <table className="list" data-testid="per-owner">
          <thead>
            <tr><th scope="col">Owner</th><th scope="col">Handoffs</th><th scope="col">Accepted</th><th scope="col">Acceptance</th><th scope="col">Open questions (avg)</th><th scope="col">Rework (avg)</th><th scope="col">Gaps (avg)</th><th scope="col">Milestone readiness</th></tr>
          </thead>
          <tbody>
            {byOwner.data.groups.map((g) => (
              <tr key={g.key}>
                <th scope="row">{g.key}</th><td>{g.handoffs}</td><td>{g.accepted}</td>
                <td className={g.meetsPilotThreshold === false ? 'below' : undefined}>{pct(g.acceptanceRate)}</td>
                <td>{num(g.openQuestionsBeforeKickoff.average)}</td><td>{num(g.rework.average)}</td><td>{num(g.expectationGaps.average)}</td><td>{pct(g.milestoneReadiness.rate)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </>
  );
}
