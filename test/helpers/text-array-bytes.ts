/**
 * A one-dimensional text[] in PostgreSQL's binary form (src/store/db-wire.ts `textArrayBytes`, what array_recv reads)
 * read back into its strings and nulls: for tests that look at the parameters a statement was sent with.
 */
export function readTextArrayBytes(b: Buffer): (string | null)[] {
  if (b.readInt32BE(8) !== 25) throw new Error('not a text[] in binary form');
  if (b.readInt32BE(0) === 0) return [];
  const out: (string | null)[] = [];
  let at = 20;
  for (let i = 0; i < b.readInt32BE(12); i++) {
    const len = b.readInt32BE(at);
    at += 4;
    out.push(len < 0 ? null : b.toString('utf8', at, at + len));
    at += Math.max(len, 0);
  }
  if (at !== b.length) throw new Error('bytes after the last element');
  return out;
}
