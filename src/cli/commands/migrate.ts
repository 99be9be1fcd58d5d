/** `truc migrate`: applies pending database migrations. */
import { loadConfig } from '../../config.js';
import { defineCommand, runs } from '../kit.js';

export const migrateCommand = () =>
  runs(defineCommand('migrate', 'apply pending database migrations'), async (_opts, _args, out) => {
    const config = loadConfig();
    const { runMigrate } = await import('../../ops.js');
    const applied = await runMigrate(config);
    out.stdout(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  });
