/**
 * A child process that opens the embedded database of the directory given as argv[2] (`openEmbedded`), reads
 * `public.lock_probe` and prints one JSON line: `{"owner":…,"rows":[…]}`, or `{"error":<code>}` when refused.
 * Run with: node --import tsx test/helpers/embedded-guest.ts <dataDir>
 */
import { openEmbedded } from '../../src/store/embedded.js';

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: embedded-guest.ts <dataDir>');
  try {
    const db = await openEmbedded(dir, { poolMax: 1 });
    const res = await db.query<{ who: string }>('SELECT who FROM public.lock_probe ORDER BY who');
    process.stdout.write(`${JSON.stringify({ owner: db.owner, rows: res.rows.map((r) => r.who) })}\n`);
    await db.close();
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ error: (err as { code?: string }).code ?? String(err) })}\n`);
  }
}

void main();
