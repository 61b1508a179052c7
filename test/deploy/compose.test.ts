import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configVariables, loadConfig } from '../../src/config';
import { handoffSearchAttributeTypes } from '../../src/dev/search-attributes';

// docker-compose.yml cannot run here (no Docker engine), so its shape is checked: the cluster
// topology, Handoff's services given only variables src/config.ts reads, and their values (with
// compose's ${VAR:-default} filled in as compose would) forming a valid configuration.

const compose = parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, { image?: string; build?: string; command?: string[] | string; environment?: Record<string, string>; ports?: string[] }>;
};
const services = Object.entries(compose.services);
const running = (script: string) => services.filter(([, s]) => Array.isArray(s.command) && s.command.includes(script));
const workers = running('worker.ts');
const apis = running('src/api/server.ts');

/** Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR-default} against the given host environment. */
const interpolate = (value: string, host: Record<string, string>) =>
  String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (_, name: string, op: string | undefined, fallback = '') =>
    host[name] !== undefined && (op !== ':-' || host[name] !== '') ? host[name] : op ? fallback : '',
  );
const envOf = (environment: Record<string, string> = {}, host: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(v, host)]));

describe('docker-compose.yml', () => {
  it('describes the cluster: Postgres, Temporal on postgres12, its UI, two workers and two APIs on distinct ports', () => {
    expect(compose.services.postgres.image).toMatch(/^postgres:/);
    expect(compose.services.temporal.image).toMatch(/^temporalio\/(auto-setup|server):1\.29/);
    expect(compose.services.temporal.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres' });
    expect(compose.services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(workers.length).toBeGreaterThanOrEqual(2);
    expect(apis.length).toBeGreaterThanOrEqual(2);
    const hostPorts = apis.map(([, s]) => s.ports?.[0]?.split(':')[0]);
    expect(new Set(hostPorts).size).toBe(apis.length);
  });

  it('gives Handoff\'s services only variables the configuration reads', () => {
    const known = new Set(configVariables);
    for (const [name, service] of [...workers, ...apis]) {
      const unknown = Object.keys(service.environment ?? {}).filter((variable) => !known.has(variable));
      expect({ service: name, unknown }).toEqual({ service: name, unknown: [] });
    }
  });

  it('the values form a valid configuration, on the local server and on Temporal Cloud', () => {
    for (const [, service] of [...workers, ...apis]) {
      const local = loadConfig(envOf(service.environment));
      expect(local).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: 'postgresql://handoff:handoff@postgres:5432/handoff' });
      expect(local.TEMPORAL_API_KEY).toBeUndefined();
      const cloud = loadConfig(envOf(service.environment, { TEMPORAL_ADDRESS: 'handoff.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'handoff.a1b2c', TEMPORAL_API_KEY: 'key' }));
      expect(cloud).toMatchObject({ TEMPORAL_ADDRESS: 'handoff.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'handoff.a1b2c', TEMPORAL_API_KEY: 'key' });
    }
    for (const [, worker] of workers) expect(loadConfig(envOf(worker.environment)).WORKER_METRICS_ADDRESS).toBeDefined();
  });

  it('registers every custom search attribute with its type', () => {
    const setup = JSON.stringify(compose.services['temporal-setup'].command);
    for (const [name, type] of Object.entries(handoffSearchAttributeTypes)) expect(setup).toContain(`${name}=${type}`);
  });
});
