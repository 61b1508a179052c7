import os from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import type { ExtractionOutcome, ExtractionRequest } from './types';

// One small pool of extraction threads per process. A thread that runs out of heap (a file built to
// explode when parsed) dies alone; the request gets a 413, the API goes on.

const HEAP_MB = 512;
let pool: Piscina | undefined;

function extractionPool(): Piscina {
  pool ??= new Piscina({
    filename: path.join(__dirname, 'thread-entry.mjs'),
    minThreads: 0,
    maxThreads: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
    idleTimeout: 30_000,
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB },
  });
  return pool;
}

/** Extracts one file in a worker thread; a time-out or a thread out of memory is a refusal, not a 500. */
export async function runExtraction(req: ExtractionRequest, timeoutMs: number): Promise<ExtractionOutcome> {
  try {
    return (await extractionPool().run(req, { signal: AbortSignal.timeout(timeoutMs) })) as ExtractionOutcome;
  } catch (err) {
    const e = err as { name?: string; code?: string; message?: string };
    if (e?.name === 'AbortError' || e?.name === 'TimeoutError') {
      return { ok: false, refusal: { status: 422, code: 'extraction_timeout', detail: `reading the file took longer than ${timeoutMs} ms; split it into smaller files` } };
    }
    if (e?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return { ok: false, refusal: { status: 413, code: 'too_large_to_parse', detail: `parsing the file needed more than ${HEAP_MB} MiB; split it into smaller files` } };
    }
    throw err;
  }
}

/** Stops the threads (tests, shutdown). */
export async function closeExtractionPool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.destroy();
}
