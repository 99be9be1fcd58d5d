/**
 * A child process that owns an embedded database, for tests of the lock file: opens `openEmbedded`
 * on the directory given as argv[2], migrates, creates `public.lock_probe` with one row ('owner'),
 * prints one JSON line `{"ready":true,"owner":…,"pid":…}`, and on SIGTERM prints
 * `{"rows":[…]}` (what the table holds then), closes the database and exits 0.
 * Run with: node --import tsx test/helpers/embedded-owner.ts <dataDir>
 */
import { openEmbedded } from '../../src/store/embedded.js';
import { migrate } from '../../src/store/migrate.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: embedded-owner.ts <dataDir>');
  const db = await openEmbedded(dir, { poolMax: 2 });
  await migrate(db);
  await db.query('CREATE TABLE IF NOT EXISTS public.lock_probe (who text NOT NULL)');
  await db.query("INSERT INTO public.lock_probe (who) VALUES ('owner')");
  process.stdout.write(`${JSON.stringify({ ready: true, owner: db.owner, pid: process.pid })}\n`);
  const guard = setTimeout(() => process.exit(3), 120_000); // never outlive a crashed test
  process.once('SIGTERM', () => {
    void (async () => {
      const res = await db.query<{ who: string }>('SELECT who FROM public.lock_probe ORDER BY who');
      process.stdout.write(`${JSON.stringify({ rows: res.rows.map((r) => r.who) })}\n`);
      await db.close();
      clearTimeout(guard);
      process.exit(0);
    })();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`embedded-owner: ${String(err)}\n`);
  process.exit(1);
});
