/** `truc migrate`: applies pending database migrations. */
import { loadConfig } from '../../config.js';
import { both, defineCommand, runs } from '../kit.js';

export const migrateCommand = () =>
  runs(defineCommand('migrate', 'apply pending database migrations'), async (_opts, _args, out) => {
    const config = loadConfig();
    const { runMigrate } = await import('../../ops.js');
    const applied = await runMigrate(config);
    const names = applied.join(', ');
    out.stdout(
      `${applied.length ? both(`đã áp dụng: ${names}`, `applied: ${names}`) : both('cơ sở dữ liệu đã mới nhất', 'database is up to date')}\n`,
    );
    return 0;
  });
