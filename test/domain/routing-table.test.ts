import { loadConfig } from '../../src/config';
import type { Owners, Person } from '../../src/domain/intake';
import { reviewCategories, type ReviewCategory } from '../../src/domain/packet';
import { defaultRoutingTable, routingFrom } from '../../src/domain/routing-table';

// The review routing table: category → role → person, from the bundle's owners or a directory of
// named reviewers, and how REVIEW_ROUTING / REVIEW_DIRECTORY reach it from the environment.

const person = (id: string): Person => ({ id, name: id, email: `${id}@vendor.example` });
const owners: Owners = {
  handoffOwner: person('u-ana'),
  sales: person('u-ben'),
  implementation: person('u-chen'),
  escalation: person('u-esc'),
};
const routeAll = (route: (c: ReviewCategory) => string | undefined) => Object.fromEntries(reviewCategories.map((c) => [c, route(c)]));

describe('routingFrom', () => {
  it('routes every category to the implementation owner by default', () => {
    expect(Object.keys(defaultRoutingTable).sort()).toEqual([...reviewCategories].sort());
    expect(routeAll(routingFrom({}, {}, owners))).toEqual(Object.fromEntries(reviewCategories.map((c) => [c, 'u-chen'])));
  });

  it('maps each owner role of the table to that owner', () => {
    const route = routingFrom(
      { scope_promise: 'sales', timeline_commitment: 'handoff_owner', support_expectation: 'escalation', feasibility: 'implementation' },
      {},
      owners,
    );
    expect(route('scope_promise')).toBe('u-ben');
    expect(route('timeline_commitment')).toBe('u-ana');
    expect(route('support_expectation')).toBe('u-esc');
    expect(route('feasibility')).toBe('u-chen');
    // categories the table leaves out keep the default route
    expect(route('dependency_owner')).toBe('u-chen');
    expect(route('customer_facing_promise')).toBe('u-chen');
  });

  it('looks any other role up in the reviewer directory', () => {
    const route = routingFrom({ feasibility: 'security', support_expectation: 'support-lead' }, { security: 'u-sec', 'support-lead': 'u-sup' }, owners);
    expect(route('feasibility')).toBe('u-sec');
    expect(route('support_expectation')).toBe('u-sup');
    expect(route('scope_promise')).toBe('u-chen');
  });

  it('prefers the bundle owner over a directory entry of the same role name', () => {
    expect(routingFrom({ feasibility: 'sales' }, { sales: 'u-other' }, owners)('feasibility')).toBe('u-ben');
  });

  it('sends a role missing from the directory to the handoff owner', () => {
    const route = routingFrom({ feasibility: 'security' }, { legal: 'u-legal' }, owners);
    expect(route('feasibility')).toBe('u-ana');
  });

  it('sends a role whose owner is missing from the bundle to the handoff owner', () => {
    const noEscalation: Owners = { ...owners, escalation: null };
    expect(routingFrom({ support_expectation: 'escalation' }, {}, noEscalation)('support_expectation')).toBe('u-ana');
    const noSales: Owners = { ...owners, sales: undefined };
    expect(routingFrom({ scope_promise: 'sales' }, {}, noSales)('scope_promise')).toBe('u-ana');
    const noImplementation: Owners = { ...owners, implementation: null };
    expect(routingFrom({}, {}, noImplementation)('timeline_commitment')).toBe('u-ana');
  });

  it('uses the implementation owner when there is no handoff owner to fall back to', () => {
    const route = routingFrom({ feasibility: 'security', scope_promise: 'sales' }, {}, { implementation: person('u-chen') });
    expect(route('feasibility')).toBe('u-chen');
    expect(route('scope_promise')).toBe('u-chen');
  });

  it('answers undefined when nobody at all is named (the drafter then picks its default reviewer)', () => {
    expect(routingFrom({ feasibility: 'security' }, {}, {})('feasibility')).toBeUndefined();
  });

  it('does not treat Object.prototype names as owner roles', () => {
    const route = routingFrom({ feasibility: 'toString', scope_promise: 'constructor' }, {}, owners);
    expect(route('feasibility')).toBe('u-ana');
    expect(route('scope_promise')).toBe('u-ana');
  });
});

describe('loadConfig: REVIEW_ROUTING and REVIEW_DIRECTORY', () => {
  it('defaults both to empty (the default table applies)', () => {
    const config = loadConfig({});
    expect(config.REVIEW_ROUTING).toEqual({});
    expect(config.REVIEW_DIRECTORY).toEqual({});
  });

  it('parses valid JSON into a table and a directory that route', () => {
    const config = loadConfig({
      REVIEW_ROUTING: JSON.stringify({ feasibility: 'security', timeline_commitment: 'sales' }),
      REVIEW_DIRECTORY: JSON.stringify({ security: 'u-sec' }),
    });
    expect(config.REVIEW_ROUTING).toEqual({ feasibility: 'security', timeline_commitment: 'sales' });
    expect(config.REVIEW_DIRECTORY).toEqual({ security: 'u-sec' });
    const route = routingFrom(config.REVIEW_ROUTING, config.REVIEW_DIRECTORY, owners);
    expect(route('feasibility')).toBe('u-sec');
    expect(route('timeline_commitment')).toBe('u-ben');
    expect(route('scope_promise')).toBe('u-chen');
  });

  it('says which variable is not valid JSON', () => {
    expect(() => loadConfig({ REVIEW_ROUTING: '{feasibility: security}' })).toThrow('invalid configuration: REVIEW_ROUTING: not valid JSON');
    expect(() => loadConfig({ REVIEW_DIRECTORY: '{"security": "u-sec"' })).toThrow('invalid configuration: REVIEW_DIRECTORY: not valid JSON');
  });

  it('refuses an unknown review category, naming it', () => {
    expect(() => loadConfig({ REVIEW_ROUTING: JSON.stringify({ security_review: 'security' }) })).toThrow(/^invalid configuration: REVIEW_ROUTING: .*security_review/);
  });

  it('refuses JSON of the wrong shape or empty roles and reviewer ids', () => {
    expect(() => loadConfig({ REVIEW_ROUTING: '["feasibility"]' })).toThrow(/REVIEW_ROUTING: .*record/);
    expect(() => loadConfig({ REVIEW_ROUTING: JSON.stringify({ feasibility: '' }) })).toThrow(/REVIEW_ROUTING\.feasibility:/);
    expect(() => loadConfig({ REVIEW_ROUTING: JSON.stringify({ feasibility: 7 }) })).toThrow(/REVIEW_ROUTING\.feasibility:/);
    expect(() => loadConfig({ REVIEW_DIRECTORY: JSON.stringify({ security: '' }) })).toThrow(/REVIEW_DIRECTORY\.security:/);
  });

  it('reports every problem at once', () => {
    expect(() => loadConfig({ REVIEW_ROUTING: 'nope', REVIEW_DIRECTORY: 'nope' })).toThrow(/REVIEW_ROUTING: not valid JSON; REVIEW_DIRECTORY: not valid JSON/);
  });
});
