import { loadConfig, requireDatabaseUrl } from '../config';
import { migrate } from './migrate';

migrate(requireDatabaseUrl(loadConfig()), console.log)
  .then((names) => console.log(names.length ? `applied: ${names.join(', ')}` : 'schema is up to date'))
  .catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
