/** `truc migrate`: applies pending database migrations. */
import { loadConfig } from '../../config.js';
import { both, defineCommand, runs } from '../kit.js';

export const migrateCommand = () =>
  runs(defineCommand('migrate', 'apply pending database migrations'), async (_opts, _args, out) => {
    const config = loadConfig();
    const { runMigrate, aheadWords } = await import('../../ops.js');
    const { applied, ahead } = await runMigrate(config);
    const names = applied.join(', ');
    if (applied.length) out.stdout(`${both(`đã áp dụng: ${names}`, `applied: ${names}`)}\n`);
    // An older build against a newer schema (review35a F1): said, never "up to date"; exit 0 all the same, so that a
    // rollback's own `migrate` step (compose's) does not keep the older roles from starting.
    if (ahead.length) out.stderr(`${aheadWords(ahead)}\n`);
    else if (!applied.length) out.stdout(`${both('cơ sở dữ liệu đã mới nhất', 'database is up to date')}\n`);
    return 0;
  });
