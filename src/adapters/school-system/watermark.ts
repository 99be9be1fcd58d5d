/**
 * The watermark rules of a school system's listing (`listChanges`, adapter.ts; BUG 6, review17 B3): the
 * watermark a listing ends with, and the marks it keeps as its pages come (carried in its cursor).
 */

/** truc's clock and the watermark overlap, as a listing uses them. */
export interface WalkClock {
  now(): number;
  overlapMs: number;
}

/** Earlier of an ISO instant and epoch ms (as ISO UTC); an unparseable instant is ignored. */
function earlierOf(a: string | undefined, ms: number): string {
  const ta = a === undefined ? NaN : Date.parse(a);
  return new Date(Number.isNaN(ta) ? ms : Math.min(ta, ms)).toISOString();
}

/**
 * The watermark a listing ends with (BUG 6): the records of schools already walked may change while later
 * schools are listed, so the latest change time seen may be later than changes this listing did not see.
 * It is the latest change time seen (`latest`, which holds `since` when nothing changed) but never later
 * than the listing's start by the system's clock less `overlapMs` (record stamps a little behind the
 * system's `Date`, the first page's own round trip), and never earlier than `since`: so never later than
 * the latest change seen (the rule before), and a change made during the listing comes in the next
 * incremental one. A listing resumed from a cursor issued before this rule (no start) keeps `since`
 * (a full one: the latest change seen, as before).
 */
function watermarkOf(w: {
  since: string | undefined;
  latest: string | undefined;
  start: number | undefined;
  overlapMs: number;
  legacy: boolean;
}): string | undefined {
  if (w.legacy || w.start === undefined) return w.since ?? w.latest;
  return laterOf(w.since, earlierOf(w.latest, w.start - w.overlapMs));
}

/** Later of two ISO instants (as ISO UTC); unparseable values are ignored. */
function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  const ta = a === undefined ? NaN : Date.parse(a);
  const tb = b === undefined ? NaN : Date.parse(b);
  if (Number.isNaN(ta)) return Number.isNaN(tb) ? a : new Date(tb).toISOString();
  if (Number.isNaN(tb) || ta >= tb) return new Date(ta).toISOString();
  return new Date(tb).toISOString();
}

/**
 * The watermark of a listing as its pages come ({@link watermarkOf}), resumed from `resume`: the latest
 * change time seen (`wm`), the listing's start by the system's clock from its first page (`st`), whether
 * a school was given up on (`fz`: the watermark stays at `since`; a full listing tells none, review17 B3:
 * the school's records its last pass skipped may be older than any change seen).
 */
export function listingMarks(
  resume: { wm?: string; st?: number; fz?: 1 } | undefined,
  since: string | undefined,
  clock: WalkClock,
) {
  let latest = resume?.wm ?? since;
  let start = typeof resume?.st === 'number' ? resume.st : undefined;
  const legacy = resume !== undefined && start === undefined;
  let frozen = resume?.fz === 1;
  return {
    /** Takes a page in: when it was served, its records' change times, whether its school was given up on. */
    page(servedAt: number | undefined, stamps: Iterable<string | undefined>, givenUp: boolean) {
      if (start === undefined && !legacy) start = Math.min(servedAt ?? Infinity, clock.now());
      frozen = frozen || givenUp;
      for (const stamp of stamps) latest = laterOf(latest, stamp);
    },
    /** The cursor fields that resume it. */
    state: () => ({
      ...(latest ? { wm: latest } : {}),
      ...(start !== undefined ? { st: start } : {}),
      ...(frozen ? { fz: 1 as const } : {}),
    }),
    /** The watermark if the listing ended now. */
    watermark: () =>
      frozen
        ? since
        : watermarkOf({ since, latest, start: start ?? clock.now(), overlapMs: clock.overlapMs, legacy }),
  };
}
