import { Context } from '@temporalio/activity';

/**
 * Heartbeats while a long activity runs, so an attempt lost with its worker (a crash, a deploy) is
 * retried after the heartbeat timeout instead of the whole start-to-close timeout.
 */
export function withHeartbeat<A extends unknown[], R>(fn: (...args: A) => Promise<R>, everyMs = 5_000): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    ctx.heartbeat();
    const timer = setInterval(() => ctx.heartbeat(), everyMs);
    try {
      return await fn(...args);
    } finally {
      clearInterval(timer);
    }
  };
}
