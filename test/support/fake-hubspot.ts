import http from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for HubSpot's API (127.0.0.1, a free port), answering only what the official SDK
// asks for here: CRM v3 objects (deals, notes, emails, calls, line items, companies: get, batch read,
// create, update), owners and files (metadata, signed URL, download). It can rate-limit (429 with
// Retry-After), answer 503, or stop listening (connection refused) and come back on the same port,
// and it records every request and every write.

type ObjectType = 'deals' | 'notes' | 'emails' | 'calls' | 'line_items' | 'companies';
export interface FakeObject {
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  /** Deals only: associated object ids by type. */
  associations?: Partial<Record<Exclude<ObjectType, 'deals'>, string[]>>;
}
export interface FakeFile {
  id: string;
  name: string;
  extension: string;
  content: Buffer;
  createdAt: string;
}
export interface FakeOwner {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
}

export interface FakeHubspot {
  url: string;
  token: string;
  objects: Record<ObjectType, Map<string, FakeObject>>;
  owners: Map<string, FakeOwner>;
  files: Map<string, FakeFile>;
  requests: Array<{ method: string; path: string; status: number; at: number }>;
  writes: Array<{ method: string; path: string; body: any }>;
  /** The next `count` API requests answer 429 with this Retry-After (seconds). */
  rateLimit(count: number, retryAfterS: number): void;
  /** The next `count` API requests answer 503. */
  unavailable(count: number): void;
  /** Stops listening: clients get connection refused until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const readBody = (req: http.IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const answerOf = (o: FakeObject, withAssociations: string[] = []) => ({
  id: o.id,
  properties: { hs_object_id: o.id, createdate: o.createdAt, ...o.properties },
  createdAt: o.createdAt,
  updatedAt: o.createdAt,
  archived: false,
  ...(withAssociations.length && o.associations
    ? {
        associations: Object.fromEntries(
          withAssociations
            .filter((t) => (o.associations as Record<string, string[]>)[t]?.length)
            // HubSpot's answers name line items "line items".
            .map((t) => [t === 'line_items' ? 'line items' : t, { results: (o.associations as Record<string, string[]>)[t].map((id) => ({ id, type: `deal_to_${t.replace(/s$/, '')}` })) }]),
        ),
      }
    : {}),
});

export async function startFakeHubspot(token = 'pat-na1-fake-token'): Promise<FakeHubspot> {
  const objects = Object.fromEntries(['deals', 'notes', 'emails', 'calls', 'line_items', 'companies'].map((t) => [t, new Map()])) as FakeHubspot['objects'];
  let faults: Array<{ status: number; headers: Record<string, string> }> = [];
  let nextId = 90_000;
  let port = 0;
  let server: http.Server;

  const fake: FakeHubspot = {
    url: '',
    token,
    objects,
    owners: new Map(),
    files: new Map(),
    requests: [],
    writes: [],
    rateLimit(count, retryAfterS) {
      faults.push(...Array.from({ length: count }, () => ({ status: 429, headers: { 'retry-after': String(retryAfterS) } })));
    },
    unavailable(count) {
      faults.push(...Array.from({ length: count }, () => ({ status: 503, headers: {} })));
    },
    down: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
    up: () => listen(),
    close: () => new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const record = (status: number) => fake.requests.push({ method, path, status, at: Date.now() });
    // Downloads of signed URLs carry no token, as on HubSpot's CDN.
    const download = /^\/_signed\/(\d+)$/.exec(path);
    if (download) {
      const file = fake.files.get(download[1]);
      record(file ? 200 : 404);
      if (!file) return json(res, 404, { message: 'not found' });
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(file.content);
      return;
    }
    const fault = faults.shift();
    if (fault) {
      record(fault.status);
      return json(res, fault.status, fault.status === 429
        ? { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }
        : { status: 'error', message: 'Service Unavailable' }, fault.headers);
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      record(401);
      return json(res, 401, { status: 'error', message: 'Authentication credentials not found.', category: 'INVALID_AUTHENTICATION' });
    }
    const text = method === 'GET' ? '' : await readBody(req);
    const body = text ? JSON.parse(text) : undefined;
    const notFound = () => {
      record(404);
      json(res, 404, { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' });
    };
    let m: RegExpExecArray | null;

    if ((m = /^\/crm\/v3\/objects\/(\w+)\/batch\/read$/.exec(path)) && method === 'POST') {
      const store = objects[m[1] as ObjectType];
      if (!store) return notFound();
      const results = (body.inputs as Array<{ id: string }>).map((i) => store.get(String(i.id))).filter((o): o is FakeObject => !!o).map((o) => answerOf(o));
      record(200);
      return json(res, 200, { status: 'COMPLETE', results, startedAt: new Date().toISOString(), completedAt: new Date().toISOString() });
    }
    if ((m = /^\/crm\/v3\/objects\/(\w+)\/(\d+)$/.exec(path))) {
      const store = objects[m[1] as ObjectType];
      const object = store?.get(m[2]);
      if (!object) return notFound();
      if (method === 'GET') {
        record(200);
        return json(res, 200, answerOf(object, url.searchParams.getAll('associations').flatMap((a) => a.split(',')).filter(Boolean)));
      }
      if (method === 'PATCH') {
        fake.writes.push({ method, path, body });
        Object.assign(object.properties, body.properties);
        record(200);
        return json(res, 200, answerOf(object));
      }
    }
    if ((m = /^\/crm\/v3\/objects\/(\w+)$/.exec(path)) && method === 'POST') {
      const store = objects[m[1] as ObjectType];
      if (!store) return notFound();
      fake.writes.push({ method, path, body });
      const created: FakeObject = { id: String(nextId++), properties: body.properties ?? {}, createdAt: new Date().toISOString() };
      store.set(created.id, created);
      for (const a of body.associations ?? []) {
        const deal = objects.deals.get(String(a.to.id));
        if (deal && m[1] !== 'deals') {
          deal.associations ??= {};
          const list = (deal.associations[m[1] as Exclude<ObjectType, 'deals'>] ??= []);
          list.push(created.id);
        }
      }
      record(201);
      return json(res, 201, answerOf(created));
    }
    if ((m = /^\/crm\/v3\/owners\/(\d+)$/.exec(path)) && method === 'GET') {
      const owner = fake.owners.get(m[1]);
      if (!owner) return notFound();
      record(200);
      return json(res, 200, { ...owner, userId: Number(owner.id) + 1000, createdAt: '2025-01-01T00:00:00Z', updatedAt: '2025-01-01T00:00:00Z', archived: false });
    }
    if ((m = /^\/files\/v3\/files\/(\d+)(\/signed-url)?$/.exec(path)) && method === 'GET') {
      const file = fake.files.get(m[1]);
      if (!file) return notFound();
      record(200);
      const meta = { name: file.name, extension: file.extension, size: file.content.length, type: file.extension === 'pdf' ? 'DOCUMENT' : 'TEXT' };
      if (m[2]) return json(res, 200, { ...meta, url: `${fake.url}/_signed/${file.id}`, expiresAt: new Date(Date.now() + 600_000).toISOString() });
      return json(res, 200, { ...meta, id: file.id, createdAt: file.createdAt, updatedAt: file.createdAt, archived: false, access: 'PRIVATE' });
    }
    notFound();
  }

  async function listen(): Promise<void> {
    server = http.createServer((req, res) => {
      handle(req, res).catch((err) => json(res, 500, { message: String(err) }));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    fake.url = `http://127.0.0.1:${port}`;
  }

  await listen();
  return fake;
}
