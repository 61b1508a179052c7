import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributeUpdatePair } from '@temporalio/common';
import { CancellationScope, condition, defineUpdate, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type * as activities from './activities';
import type { BareOp, SearchAttributeValue } from './shape';

// The bare-Temporal baseline: issues the commands of a handoff's history (./shape.ts) and nothing
// else. Its updates are accepted only when the script is waiting for them, as the handoff's
// validators refuse an action out of turn; a refused update writes no history.

const { noop } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function bareHandoff(script: BareOp[]): Promise<void> {
  const expected = script.flatMap((op) => (op.op === 'update' ? [op.name] : []));
  let received = 0;
  let waiting = false;
  for (const name of new Set(expected)) {
    setHandler(defineUpdate<void>(name), () => void received++, {
      validator: () => {
        if (!waiting || expected[received] !== name) throw new Error(`not waiting for ${name}`);
      },
    });
  }
  const timers: CancellationScope[] = [];
  const pending: Promise<void>[] = [];
  let consumed = 0;
  for (const op of script) {
    switch (op.op) {
      case 'upsert':
        upsertSearchAttributes(op.attributes.map(pairOf));
        break;
      case 'localActivity':
        await local.noop();
        break;
      case 'activity':
        if (op.wait) await noop();
        else pending.push(noop());
        break;
      case 'timer': {
        const scope = new CancellationScope();
        timers.push(scope);
        scope.run(() => sleep('1 day')).catch(() => undefined);
        break;
      }
      case 'cancelTimer':
        timers.shift()?.cancel();
        break;
      case 'sleep':
        await sleep(1);
        break;
      case 'patch':
        patched(op.id);
        break;
      case 'update':
        waiting = true;
        await condition(() => received > consumed);
        waiting = false;
        consumed++;
        break;
    }
  }
  await Promise.all(pending);
}

const types: Record<string, SearchAttributeType> = {
  Keyword: SearchAttributeType.KEYWORD,
  Text: SearchAttributeType.TEXT,
  Int: SearchAttributeType.INT,
  Double: SearchAttributeType.DOUBLE,
  Bool: SearchAttributeType.BOOL,
  Datetime: SearchAttributeType.DATETIME,
  KeywordList: SearchAttributeType.KEYWORD_LIST,
};

function pairOf({ name, type, value }: SearchAttributeValue): SearchAttributeUpdatePair {
  const key = defineSearchAttributeKey(name, types[type] ?? SearchAttributeType.KEYWORD);
  const typed = value !== null && type === 'Datetime' ? new Date(value as string) : value;
  return { key, value: typed } as SearchAttributeUpdatePair;
}
