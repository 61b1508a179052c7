import type { temporal } from '@temporalio/proto';
import { temporal as proto } from '@temporalio/proto';

// A handoff history reduced to the commands the workflow issued, in order, so that a no-op workflow
// (./workflow.ts) can issue the same ones: the bare-Temporal baseline has the same number and kinds
// of activities, local activities, timers, search-attribute upserts and updates as the real thing.

export interface SearchAttributeValue {
  name: string;
  /** Temporal's type name from the payload metadata: Keyword, Int, Datetime, … */
  type: string;
  /** JSON value; null removes the attribute. */
  value: unknown;
}

export type BareOp =
  | { op: 'upsert'; attributes: SearchAttributeValue[] }
  | { op: 'localActivity' }
  /** wait: false for an activity the workflow goes on without (settled before it completes). */
  | { op: 'activity'; wait: boolean }
  /** A timer that something later cancels (review reminders, the milestone wait). */
  | { op: 'timer' }
  | { op: 'cancelTimer' }
  /** A timer that fires. */
  | { op: 'sleep' }
  | { op: 'update'; name: string }
  /** A `patched()` call, recorded as a marker the first time. */
  | { op: 'patch'; id: string };

type History = temporal.api.history.v1.IHistory;
const EventType = proto.api.enums.v1.EventType;

// Events that follow from the commands above (task bookkeeping, completions) and need no op of their own.
const implied = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
]);

export function bareScriptOf(history: History): BareOp[] {
  const ops: BareOp[] = [];
  const timers = new Map<string, number>();
  const events = history.events ?? [];
  const closedAt = new Map<string, number>();
  events.forEach((e, i) => {
    const scheduled = e.activityTaskCompletedEventAttributes?.scheduledEventId ?? e.activityTaskFailedEventAttributes?.scheduledEventId;
    if (scheduled != null) closedAt.set(String(scheduled), i);
  });
  // An activity was not awaited when the workflow issued other commands before it completed.
  const awaited = (i: number) => !events.slice(i + 1, closedAt.get(String(events[i].eventId)) ?? i + 1).some((e) => !implied.has(e.eventType ?? 0));
  for (const [index, event] of events.entries()) {
    const type = event.eventType ?? 0;
    if (implied.has(type)) continue;
    switch (type) {
      case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        // patched() records TemporalChangeVersion itself: that upsert comes with the patch op.
        const attributes = decodeAttributes(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {})
          .filter((a) => a.name !== 'TemporalChangeVersion');
        if (attributes.length > 0) ops.push({ op: 'upsert', attributes });
        break;
      }
      case EventType.EVENT_TYPE_MARKER_RECORDED: {
        const marker = event.markerRecordedEventAttributes;
        if (marker?.markerName === 'core_local_activity') ops.push({ op: 'localActivity' });
        else if (marker?.markerName === 'core_patch') ops.push({ op: 'patch', id: patchIdOf(marker.details?.['patch-data']?.payloads?.[0]) });
        else throw new Error(`the bare baseline cannot mimic marker ${marker?.markerName}`);
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        ops.push({ op: 'activity', wait: awaited(index) });
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        timers.set(event.timerStartedEventAttributes?.timerId ?? '', ops.length);
        ops.push({ op: 'timer' });
        break;
      case EventType.EVENT_TYPE_TIMER_FIRED:
        ops[timers.get(event.timerFiredEventAttributes?.timerId ?? '') ?? -1] = { op: 'sleep' };
        break;
      case EventType.EVENT_TYPE_TIMER_CANCELED:
        ops.push({ op: 'cancelTimer' });
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        ops.push({ op: 'update', name: event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '' });
        break;
      default:
        // A path the baseline does not model (failures, signals, continue-as-new): say so rather than measure something else.
        throw new Error(`the bare baseline cannot mimic ${EventType[type]} (event ${event.eventId})`);
    }
  }
  return ops;
}

function patchIdOf(payload: temporal.api.common.v1.IPayload | undefined): string {
  const data = payload?.data ? JSON.parse(Buffer.from(payload.data).toString('utf8')) : {};
  return String(data.id ?? 'bare-patch');
}

function decodeAttributes(fields: Record<string, temporal.api.common.v1.IPayload>): SearchAttributeValue[] {
  const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : '');
  return Object.entries(fields).map(([name, payload]) => {
    const data = text(payload.data);
    return { name, type: text(payload.metadata?.type), value: data ? JSON.parse(data) : null };
  });
}

/** Event types and how often each occurs: what "the same shape" means. */
export function eventTypeCounts(history: History): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of history.events ?? []) {
    const name = EventType[event.eventType ?? 0].replace(/^EVENT_TYPE_/, '');
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
