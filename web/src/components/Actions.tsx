import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiError, ok, requestId, type HandoffView } from '../api/client';
import { hasRole, useSession } from '../session';
import { asMultipart, uploadForm, type PickedFile, type UploadedFile } from '../api/uploads';
import { ErrorNote, formatTime } from './common';
import { FilePicker, UploadedFiles } from './Files';

// Actions in place. Each shows only when the signed-in person may take it, judged from the handoff's
// read-model view (routeTo, askedOf, owners) and roles; the server still enforces every rule.

/** One action: runs it, then reloads the handoff and inbox. A 409 offers the new version. */
function useAction(handoffId: string) {
  const queryClient = useQueryClient();
  const reload = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['handoff', handoffId] }), queryClient.invalidateQueries({ queryKey: ['inbox'] })]);
  const mutation = useMutation({ mutationFn: (run: () => Promise<unknown>) => run(), onSuccess: reload });
  const error = mutation.error ? (
    <ErrorNote error={mutation.error}>
      {mutation.error instanceof ApiError && mutation.error.status === 409 ? (
        <>
          {' '}
          <button type="button" onClick={async () => { await reload(); mutation.reset(); }}>Load the new version</button>
        </>
      ) : null}
    </ErrorNote>
  ) : null;
  return { run: mutation.mutate, pending: mutation.isPending, error, done: mutation.isSuccess };
}

function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

export function ReviewItems({ view }: { view: HandoffView }) {
  const session = useSession();
  if (!view.reviewItems.length) return null;
  return (
    <section aria-labelledby="review-title">
      <h2 id="review-title">Review items</h2>
      <ul className="cards">
        {view.reviewItems.map((item) => (
          <li key={item.id} id={item.id} className="card" data-testid={`review-${item.id}`}>
            <p>
              <span className="badge">{item.category.replace(/_/g, ' ')}</span> {item.summary}
            </p>
            <p className="muted">
              Routed to {item.routeTo} · {item.decision ? `${item.decision.decision} by ${item.decision.by} ${formatTime(item.decision.at)}` : `pending, reminder ${formatTime(item.remindAt)}`}
              {item.decision?.comment ? ` — “${item.decision.comment}”` : ''}
            </p>
            {!item.decision && item.routeTo === session.principal.id && view.stage === 'in_review' && view.packet ? (
              <DecideForm handoffId={view.handoffId} itemId={item.id} summary={item.summary} packetVersion={view.packet.version} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function DecideForm({ handoffId, itemId, summary, packetVersion }: { handoffId: string; itemId: string; summary: string; packetVersion: number }) {
  const [comment, setComment] = useState('');
  const action = useAction(handoffId);
  const decide = (decision: 'approved' | 'rejected') =>
    action.run(async () =>
      ok(
        await api.POST('/handoffs/{id}/review-items/{itemId}/decision', {
          params: { path: { id: handoffId, itemId } },
          body: { decision, comment: comment.trim() || undefined, packetVersion, requestId: requestId() },
        }),
      ),
    );
  return (
    <form className="inline-form" onSubmit={(e) => e.preventDefault()} aria-label={`Decide: ${summary}`}>
      <Field label={`Comment on ${itemId}`}>{(id) => <textarea id={id} value={comment} onChange={(e) => setComment(e.target.value)} rows={2} />}</Field>
      <div className="buttons">
        <button type="button" disabled={action.pending} onClick={() => decide('approved')}>Approve {itemId}</button>
        <button type="button" className="danger" disabled={action.pending} onClick={() => decide('rejected')}>Reject {itemId}</button>
      </div>
      {action.error}
    </form>
  );
}

export function Questions({ view }: { view: HandoffView }) {
  const session = useSession();
  if (!view.openQuestions.length) return null;
  return (
    <section aria-labelledby="questions-title">
      <h2 id="questions-title">Questions</h2>
      <ul className="cards">
        {view.openQuestions.map((q) => (
          <li key={q.id} id={q.id} className="card">
            <p>{q.blocking ? <span className="badge overdue">blocking</span> : null} {q.question}</p>
            <p className="muted">
              Asked of {q.askedOf ?? q.askOf} {formatTime(q.askedAt)}
              {q.answer ? ` · answered by ${q.answer.by}: “${q.answer.text}”` : ''}
            </p>
            {!q.answer && q.askedOf === session.principal.id ? <AnswerForm handoffId={view.handoffId} qid={q.id} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function AnswerForm({ handoffId, qid }: { handoffId: string; qid: string }) {
  const [answer, setAnswer] = useState('');
  const action = useAction(handoffId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    action.run(async () => ok(await api.POST('/handoffs/{id}/questions/{qid}/answer', { params: { path: { id: handoffId, qid } }, body: { answer, requestId: requestId() } })));
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <Field label={`Answer to ${qid}`}>{(id) => <textarea id={id} required value={answer} onChange={(e) => setAnswer(e.target.value)} rows={2} />}</Field>
      <button type="submit" disabled={action.pending}>Send answer</button>
      {action.error}
    </form>
  );
}

/** A titled form that submits one action with the text typed in it. */
function TextAction({ title, label, button, handoffId, run, danger, children }: { title: string; label: string; button: string; handoffId: string; run: (text: string) => Promise<unknown>; danger?: boolean; children?: ReactNode }) {
  const [text, setText] = useState('');
  const action = useAction(handoffId);
  return (
    <form
      className="action"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        action.run(() => run(text));
      }}
    >
      <h3>{title}</h3>
      {children}
      <Field label={label}>{(id) => <textarea id={id} required value={text} onChange={(e) => setText(e.target.value)} rows={2} />}</Field>
      <button type="submit" className={danger ? 'danger' : undefined} disabled={action.pending}>{button}</button>
      {action.done ? <p role="status">Done.</p> : null}
      {action.error}
    </form>
  );
}

export function Actions({ view, onNewVersion }: { view: HandoffView; onNewVersion: () => void }) {
  const session = useSession();
  const me = session.principal.id;
  const owners = view.owners ?? {};
  const id = view.handoffId;
  const open = !['completed', 'cancelled'].includes(view.stage);
  const isImpl = owners.implementation === me;
  const routedToMe = view.reviewItems.some((i) => i.routeTo === me);
  const ops = hasRole(session, 'ops');
  const signRoles = (['sales', 'implementation'] as const).filter((role) => owners[role] === me && !view.signoffs[role]);

  const forms: ReactNode[] = [];
  if (view.stage === 'awaiting_signoff' && view.packet) {
    for (const role of signRoles) forms.push(<SignoffForm key={`sign-${role}`} view={view} role={role} />);
  }
  if (view.stage === 'in_review' && view.packet && (routedToMe || isImpl || session.principal.roles.includes('admin'))) {
    const version = view.packet.version;
    forms.push(
      <TextAction
        key="changes"
        title="Request changes"
        label="What should change in the packet"
        button="Request a redraft"
        handoffId={id}
        run={async (comment) => {
          ok(await api.POST('/handoffs/{id}/changes', { params: { path: { id } }, body: { comment, packetVersion: version, requestId: requestId() } }));
          onNewVersion();
        }}
      />,
    );
  }
  if ((isImpl || session.principal.roles.includes('admin')) && ['in_review', 'awaiting_signoff'].includes(view.stage)) {
    forms.push(
      <TextAction key="return" title="Return for missing context" label="What context is missing" button="Return to the handoff owner" handoffId={id}
        run={async (reason) => ok(await api.POST('/handoffs/{id}/return', { params: { path: { id } }, body: { reason, requestId: requestId() } }))} />,
    );
  }
  if (open && (owners.handoffOwner === me || owners.sales === me || ops)) forms.push(<EvidenceForm key="evidence" handoffId={id} />);
  if (view.stage === 'first_milestone' && (isImpl || owners.handoffOwner === me || ops)) forms.push(<MilestoneForm key="milestone" handoffId={id} />);
  if (open && (owners.handoffOwner === me || ops)) {
    forms.push(
      <TextAction key="cancel" title="Cancel the handoff" label="Why it is cancelled" button="Cancel handoff" danger handoffId={id}
        run={async (reason) => ok(await api.POST('/handoffs/{id}/cancel', { params: { path: { id } }, body: { reason, requestId: requestId() } }))} />,
    );
  }
  if (!forms.length) return null;
  return (
    <section aria-labelledby="actions-title" className="actions">
      <h2 id="actions-title">Your actions</h2>
      {forms}
    </section>
  );
}

function SignoffForm({ view, role }: { view: HandoffView; role: 'sales' | 'implementation' }) {
  const action = useAction(view.handoffId);
  const packet = view.packet!;
  return (
    <form
      id="signoff"
      className="action"
      aria-label={`Sign off as ${role}`}
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () =>
          ok(await api.POST('/handoffs/{id}/signoff', { params: { path: { id: view.handoffId } }, body: { role, packetVersion: packet.version, packetHash: packet.hash, requestId: requestId() } })),
        );
      }}
    >
      <h3>Sign off as {role}</h3>
      <p>
        You sign packet version <strong data-testid="sign-version">{packet.version}</strong> with hash <code className="hash" data-testid="sign-hash">{packet.hash}</code>. Only this exact packet is released.
      </p>
      <button type="submit" disabled={action.pending}>Sign packet v{packet.version} as {role}</button>
      {action.error}
    </form>
  );
}

const kinds = ['call_notes', 'email', 'agreement', 'sow', 'proposal', 'crm_note', 'intake_form', 'other'] as const;

/** Pasted text as one document, files as multipart (one document each, kinds given or inferred), or both in one request. */
function EvidenceForm({ handoffId }: { handoffId: string }) {
  const [kind, setKind] = useState<(typeof kinds)[number]>('call_notes');
  const [title, setTitle] = useState('');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [uploaded, setUploaded] = useState<UploadedFile[]>([]);
  // A new key empties the file input once its files are stored, so a second click cannot resend them (409).
  const [pickerKey, setPickerKey] = useState(0);
  const action = useAction(handoffId);
  return (
    <form
      className="action"
      aria-label="Add evidence"
      onSubmit={(e) => {
        e.preventDefault();
        const docId = `${kind}-${Date.now().toString(36)}`;
        const pasted = text.trim() ? [{ id: docId, kind, title: title || undefined, capturedAt: new Date().toISOString(), text }] : [];
        const evidence = { documents: pasted, requestId: requestId() };
        setUploaded([]);
        action.run(async () => {
          const path = { params: { path: { id: handoffId } } };
          if (!files.length) return ok(await api.POST('/handoffs/{id}/evidence', { ...path, body: evidence }));
          const answer = ok(await api.POST('/handoffs/{id}/evidence', { ...path, ...asMultipart(uploadForm('evidence', evidence, files)) }));
          setUploaded(answer.files ?? []);
          setFiles([]);
          setPickerKey((k) => k + 1);
          return answer;
        });
      }}
    >
      <h3>Add evidence</h3>
      <Field label="Kind">
        {(id) => (
          <select id={id} value={kind} onChange={(e) => setKind(e.target.value as (typeof kinds)[number])}>
            {kinds.map((k) => <option key={k} value={k}>{k.replace(/_/g, ' ')}</option>)}
          </select>
        )}
      </Field>
      <Field label="Title">{(id) => <input id={id} value={title} onChange={(e) => setTitle(e.target.value)} />}</Field>
      <Field label="Text (paste it, or attach files below)">{(id) => <textarea id={id} required={!files.length} value={text} onChange={(e) => setText(e.target.value)} rows={4} />}</Field>
      <FilePicker key={pickerKey} label="Files" files={files} onChange={setFiles} />
      <button type="submit" disabled={action.pending}>Add evidence</button>
      {action.done ? <p role="status">Evidence added; the gates run again.</p> : null}
      <UploadedFiles files={uploaded} />
      {action.error}
    </form>
  );
}

const statuses = ['on_track', 'at_risk', 'met', 'not_met'] as const;

function MilestoneForm({ handoffId }: { handoffId: string }) {
  const [status, setStatus] = useState<(typeof statuses)[number]>('met');
  const [note, setNote] = useState('');
  const action = useAction(handoffId);
  return (
    <form
      className="action"
      aria-label="Report the first milestone"
      onSubmit={(e) => {
        e.preventDefault();
        action.run(async () => ok(await api.POST('/handoffs/{id}/milestone', { params: { path: { id: handoffId } }, body: { status, note: note || undefined, requestId: requestId() } })));
      }}
    >
      <h3>Report the first milestone</h3>
      <Field label="Status">
        {(id) => (
          <select id={id} value={status} onChange={(e) => setStatus(e.target.value as (typeof statuses)[number])}>
            {statuses.map((s) => <option key={s} value={s}>{s.replace(/_/g, ' ')}</option>)}
          </select>
        )}
      </Field>
      <Field label="Note">{(id) => <textarea id={id} value={note} onChange={(e) => setNote(e.target.value)} rows={2} />}</Field>
      <button type="submit" disabled={action.pending}>Report milestone</button>
      {action.error}
    </form>
  );
}
