import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PacketContent } from '../../src/domain/packet';
import type { LlmPacketDraft } from '../../src/domain/verify-packet';

// A local stand-in for the Anthropic Messages endpoint, so tests drive the real SDK (its request
// building, error classes, timeouts) over real HTTP without calling the real API. Each call is
// answered by the test's handler, which scripts responses per call.

export interface FakeRequest {
  /** 0 for the first POST /v1/messages, 1 for the second, … */
  call: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
}

export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (to exercise client timeouts). */
  delayMs?: number;
}

export type FakeHandler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeAnthropic {
  baseURL: string;
  /** Parsed JSON bodies of the requests received, in order. */
  requests: any[];
  /** The full requests (path, headers, body), in order. */
  calls: FakeRequest[];
  close(): Promise<void>;
}

export async function startFakeAnthropic(handler: FakeHandler): Promise<FakeAnthropic> {
  const requests: any[] = [];
  const calls: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const request: FakeRequest = { call: calls.length, method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: parseJson(raw) };
    calls.push(request);
    requests.push(request.body);
    let response: FakeResponse;
    try {
      response = await handler(request);
    } catch (err) {
      response = errorResponse(500, 'api_error', `fake handler threw: ${(err as Error).message}`);
    }
    const send = () => {
      if (res.destroyed) return;
      res.writeHead(response.status, { 'content-type': 'application/json', 'request-id': `req_fake_${request.call}`, ...response.headers });
      res.end(JSON.stringify(response.body));
    };
    if (!response.delayMs) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, response.delayMs);
    timers.add(timer);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A Messages API response whose only content block is a call of `name` with `input`. */
export function toolUseResponse(
  name: string,
  input: unknown,
  options: { model?: string; inputTokens?: number; outputTokens?: number; stopReason?: string } = {},
): FakeResponse {
  return {
    status: 200,
    body: {
      id: 'msg_fake_01',
      type: 'message',
      role: 'assistant',
      model: options.model ?? 'claude-test',
      content: [{ type: 'tool_use', id: 'toolu_fake_01', name, input }],
      stop_reason: options.stopReason ?? 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: options.inputTokens ?? 1200, output_tokens: options.outputTokens ?? 800 },
    },
  };
}

/** A Messages API response with text only (a model that did not call the tool). */
export function textResponse(text: string): FakeResponse {
  return {
    status: 200,
    body: {
      id: 'msg_fake_02',
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 1000, output_tokens: 20 },
    },
  };
}

/** An API error in the provider's envelope, e.g. errorResponse(429, 'rate_limit_error', '…'). */
export function errorResponse(status: number, type: string, message: string, headers?: Record<string, string>): FakeResponse {
  return { status, body: { type: 'error', error: { type, message } }, headers };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(raw: string): unknown {
  try {
    return raw ? JSON.parse(raw) : undefined;
  } catch {
    return raw;
  }
}

/** What a careful model would send: the rules' own findings, as the packet tool's input. */
export function draftFromRules(rules: PacketContent): LlmPacketDraft {
  const { dealId: _d, draftedBy: _b, reviewItems: _r, completeness: _c, gates: _g, drafting: _x, openQuestions, ...sections } = rules;
  return { ...sections, openQuestions: openQuestions.filter((q) => !q.gate).map(({ question, askOf, blocking }) => ({ question, askOf, blocking })) };
}
