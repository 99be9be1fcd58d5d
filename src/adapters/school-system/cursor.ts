/**
 * The resume cursor of a school system's listing (`listChanges`, adapter.ts): what it carries (the school,
 * the page position, the filter, the watermark's marks and the walk of the school being listed), and its
 * encoding (base64url JSON, version 1; a cursor this adapter did not issue is refused).
 */
import { AppError } from '../../errors.js';

/**
 * Resume position inside one listing: school, page position, filter, the highest change time so far
 * (`wm`, with `since`), and when the listing started by the system's clock (`st`, epoch ms, never later
 * than truc's; a cursor without it was issued before BUG 6's fix); of the school being listed: its total
 * at its first page (`tot`), when that page was served by the system's clock (`sd`), the times it was
 * listed again (`rl`), whether it was given up on (`us`); whether any school of an incremental listing
 * was (`fz`: its watermark stays at `since`, none for a full listing).
 */
export type Cursor<Pos> = Pos & {
  v: 1;
  school: string;
  ps?: number;
  since?: string;
  wm?: string;
  st?: number;
  tot?: number;
  sd?: number;
  rl?: number;
  us?: 1;
  fz?: 1;
};

/** What the walker knows of the school it lists (kept in the cursor). */
export interface SchoolWalk {
  tot?: number | undefined;
  /**
   * When the school's first page (of this pass) was served, by the system's clock (epoch ms): its `Date`,
   * or a later stamp on it (adapter.ts `servedAsStamped`).
   */
  sd?: number | undefined;
  rl: number;
  us: boolean;
}

/** The cursor fields of a school's walk. */
export const walkFields = (w: SchoolWalk) => ({
  ...(w.tot !== undefined ? { tot: w.tot } : {}),
  ...(w.sd !== undefined ? { sd: w.sd } : {}),
  ...(w.rl > 0 ? { rl: w.rl } : {}),
  ...(w.us ? { us: 1 as const } : {}),
});

/** A school's walk as a cursor resumes it (a fresh one when the cursor is not at that school). */
export const walkOf = (c: Partial<Cursor<unknown>> | undefined): SchoolWalk => ({
  tot: c?.tot,
  sd: c?.sd,
  rl: c?.rl ?? 0,
  us: c?.us === 1,
});

/** The cursor as a listing hands it over. */
export function encodeCursor<Pos>(c: Cursor<Pos>): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

/** A cursor handed back: refused (ERR_VALIDATION) unless this adapter issued it. */
export function decodeCursor<Pos>(
  raw: string,
  t: { system: string; isPos(c: Record<string, unknown>): boolean },
) {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (c.v === 1 && typeof c.school === 'string' && t.isPos(c)) return c as Cursor<Pos>;
  } catch {
    // fall through
  }
  throw new AppError('ERR_VALIDATION', `${t.system}: the resume cursor is not one this adapter issued`);
}
