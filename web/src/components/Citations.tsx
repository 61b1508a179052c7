import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useRef } from 'react';
import { api, ok, type Citation } from '../api/client';
import { ErrorNote, Loading } from './common';

/** Opens a citation in the source panel of the handoff page. */
export const CitationOpener = createContext<(citation: Citation) => void>(() => undefined);

/** One chip per source; a citation into a PDF shows its page, and the chip's name holds its visible text (axe: label-content-name-mismatch). */
export function Cites({ sources }: { sources: Citation[] }) {
  const open = useContext(CitationOpener);
  if (!sources.length) return null;
  return (
    <span className="cites">
      {sources.map((s, i) => (
        <button key={i} type="button" className="chip" title={`“${s.quote}”`} onClick={() => open(s)} aria-label={`Source: ${s.documentId}${s.page ? ` p. ${s.page}` : ''}, “${s.quote.slice(0, 80)}”`}>
          {s.documentId}
          {s.page ? <span className="chip-page"> p. {s.page}</span> : null}
        </button>
      ))}
    </span>
  );
}

/** The cited document with the quote highlighted in context, scrolled into view. */
export function SourcePanel({ handoffId, citation, onClose }: { handoffId: string; citation: Citation; onClose: () => void }) {
  const doc = useQuery({
    queryKey: ['document', handoffId, citation.documentId],
    queryFn: async () => ok(await api.GET('/handoffs/{id}/documents/{documentId}', { params: { path: { id: handoffId, documentId: citation.documentId } } })),
    refetchInterval: false,
    staleTime: Infinity,
  });
  const mark = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [citation]);
  useEffect(() => mark.current?.scrollIntoView({ block: 'center' }), [doc.data, citation]);
  const text = doc.data?.text ?? '';
  const at = text.indexOf(citation.quote);
  return (
    <aside className="source" aria-labelledby="source-title">
      <div className="source-head">
        <h2 id="source-title" tabIndex={-1} ref={heading}>
          {doc.data?.title ?? citation.documentId}
        </h2>
        <button type="button" onClick={onClose}>Close</button>
      </div>
      {doc.isPending ? <Loading what="the document" /> : null}
      <ErrorNote error={doc.error} />
      {doc.data ? (
        <>
          <p className="muted">
            {doc.data.kind.replace(/_/g, ' ')} · captured {new Date(doc.data.capturedAt).toLocaleDateString()} · id {doc.data.id}
          </p>
          {citation.page ? <p className="cited-page" data-testid="cited-page">The quote is on page {citation.page} of the file.</p> : null}
          {at < 0 ? <p role="alert">The quote is not in the current text of this document.</p> : null}
          <pre className="doc-text" data-testid="source-text">
            {at < 0 ? (
              text
            ) : (
              <>
                {text.slice(0, at)}
                <mark ref={mark} data-testid="highlight">{citation.quote}</mark>
                {text.slice(at + citation.quote.length)}
              </>
            )}
          </pre>
        </>
      ) : null}
    </aside>
  );
}
