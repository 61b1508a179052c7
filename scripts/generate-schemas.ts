import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { IntakeBundle } from '../src/domain/intake';
import { MeasurementEvent } from '../src/domain/measurement';
import { GateFailure, Packet } from '../src/domain/packet';

// Publishes the zod schemas (the single source of truth) as JSON Schema under docs/schemas.
// test/domain/schemas.test.ts fails when the committed files drift from these.

export const schemaDir = join(__dirname, '..', 'docs', 'schemas');

/** File name -> JSON text. Bundles are described as clients send them (defaults not applied yet). */
export function generateSchemas(): Record<string, string> {
  const schemas: Record<string, { schema: z.ZodType; io: 'input' | 'output'; title: string }> = {
    'intake-bundle.schema.json': { schema: IntakeBundle, io: 'input', title: 'Handoff intake bundle' },
    'packet.schema.json': { schema: Packet, io: 'output', title: 'Handoff packet' },
    'gate-failure.schema.json': { schema: GateFailure, io: 'output', title: 'Intake gate failure' },
    'measurement-event.schema.json': { schema: MeasurementEvent, io: 'output', title: 'Handoff measurement event' },
  };
  const files: Record<string, string> = {};
  for (const [file, { schema, io, title }] of Object.entries(schemas)) {
    const json = { title, ...z.toJSONSchema(schema, { io, unrepresentable: 'any' }) };
    files[file] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return files;
}

if (require.main === module) {
  mkdirSync(schemaDir, { recursive: true });
  for (const [file, text] of Object.entries(generateSchemas())) {
    writeFileSync(join(schemaDir, file), text);
    console.log(`wrote docs/schemas/${file}`);
  }
}
