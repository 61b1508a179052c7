// Unit tests run without Postgres or Temporal. Under `npm test` they share a process with the
// integration project, whose global setup exported the service addresses: hide them here, so a
// unit test that needs a service fails in `npm test` as it would in `npm run test:unit`.
for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'HANDOFF_TEST_WORKFLOW_BUNDLE', 'HANDOFF_TEST_DATA']) delete process.env[name];
