import { useInfiniteQuery } from '@tanstack/react-query';
import { Link } from 'wouter';
import { api, ok } from '../api/client';
import { ErrorNote, formatTime, Loading, StageBadge } from '../components/common';

const kindLabel = { review_item: 'Review item', question: 'Question', signoff: 'Sign-off' } as const;

/** Everything waiting for me across handoffs, most overdue first (the API's order), escalations marked. */
export function InboxPage() {
  // Paged by the API's cursor, most overdue first: the newest items come with "Show more", never dropped.
  const pages = useInfiniteQuery({
    queryKey: ['inbox'],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) => ok(await api.GET('/inbox', { params: { query: { limit: '200', ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const inbox = { ...pages, data: pages.data && { ...pages.data.pages[0], items: pages.data.pages.flatMap((p) => p.items) } };
  return (
    <>
      <h1>Inbox</h1>
      {inbox.isPending ? <Loading what="your inbox" /> : null}
      <ErrorNote error={inbox.error} />
      {inbox.data ? (
        <>
          <dl className="counts" aria-label="Counts">
            <div><dt>Waiting for you</dt><dd data-testid="count-total">{inbox.data.counts.total}</dd></div>
            <div><dt>Overdue</dt><dd data-testid="count-overdue">{inbox.data.counts.overdue}</dd></div>
            <div><dt>Escalated</dt><dd data-testid="count-escalated">{inbox.data.counts.escalated}</dd></div>
          </dl>
          {inbox.data.items.length === 0 ? (
            <p className="empty">Nothing waits for you.</p>
          ) : (
            <table className="list">
              <caption className="sr-only">Items waiting for you, most overdue first</caption>
              <thead>
                <tr><th scope="col">What</th><th scope="col">Handoff</th><th scope="col">Stage</th><th scope="col">Due</th><th scope="col">Status</th></tr>
              </thead>
              <tbody>
                {inbox.data.items.map((item) => (
                  <tr key={`${item.handoffId}/${item.kind}/${item.id}`} className={item.overdue ? 'overdue' : undefined} data-testid="inbox-item">
                    <td>
                      <span className="kind">{kindLabel[item.kind]}</span> <Link href={`/handoff/${item.handoffId}#${item.kind === 'signoff' ? 'signoff' : item.id}`}>{item.summary}</Link>
                    </td>
                    <td>{item.customerName} <span className="muted">({item.dealId})</span></td>
                    <td><StageBadge stage={item.stage} /></td>
                    <td>{formatTime(item.dueAt)}</td>
                    <td>
                      {item.escalated ? <span className="badge escalated">Escalated</span> : null}
                      {item.overdue ? <span className="badge overdue">Overdue</span> : null}
                      {item.blocking ? <span className="badge">Blocking</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {pages.hasNextPage ? (
            <button type="button" onClick={() => void pages.fetchNextPage()} disabled={pages.isFetchingNextPage}>
              {pages.isFetchingNextPage ? 'Loading…' : `Show more (${inbox.data.items.length} of ${inbox.data.counts.total} shown)`}
            </button>
          ) : null}
        </>
      ) : null}
    </>
  );
}
