import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IntakeBundle } from '../../src/domain/intake';

/** The shared fixtures live next to the repository: ../shared/fixtures. */
export const sharedFixtureDir = resolve(__dirname, '../../../shared/fixtures');
export const bundleFixtureDir = resolve(__dirname, '../fixtures/bundles');

export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

export const sharedFixture = (name: string): IntakeBundle => IntakeBundle.parse(readJson(join(sharedFixtureDir, `${name}.json`)));
export const bundleFixture = (name: string): IntakeBundle => IntakeBundle.parse(readJson(join(bundleFixtureDir, `${name}.json`)));
