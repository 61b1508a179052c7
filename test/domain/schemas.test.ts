import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSchemas, schemaDir } from '../../scripts/generate-schemas';

// docs/schemas is generated from the zod schemas; run `npm run schemas` after changing them.

describe('published JSON Schemas', () => {
  const generated = generateSchemas();

  it('publishes the four contract schemas', () => {
    expect(Object.keys(generated).sort()).toEqual([
      'gate-failure.schema.json',
      'intake-bundle.schema.json',
      'measurement-event.schema.json',
      'packet.schema.json',
    ]);
  });

  it.each(Object.keys(generated))('docs/schemas/%s matches the zod schema (run `npm run schemas` if not)', (file) => {
    expect(readFileSync(join(schemaDir, file), 'utf8')).toBe(generated[file]);
  });

  it('describes the bundle as clients send it: owners and stakeholders are optional', () => {
    const bundle = JSON.parse(generated['intake-bundle.schema.json']);
    expect(bundle.required).toEqual(expect.arrayContaining(['dealId', 'trigger', 'customer', 'documents']));
    expect(bundle.required).not.toContain('owners');
    expect(bundle.properties.trigger.enum).toEqual(['deal_closed', 'project_accepted', 'pre_kickoff_planning']);
  });
});
