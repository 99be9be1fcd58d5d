/**
 * An audit entry's details as lines a person reads, `key: value` (fix30b: the audit page showed them as raw JSON cut
 * at 160 characters, `{"count":2,"ids":["4","5"],"mapping":"current",…`). Keys stay as written (codes, as the API
 * and the audit search give them); a list is its items joined (at most {@link ITEMS} of them, the rest counted), an
 * object inside is its keys under the outer one (`counts.accepted: 5`), a long text is cut. The details are what the
 * audit log keeps: ids, counts and codes, never personal data; nothing is added. Pure (no DOM): unit-tested in
 * test/unit/dashboard.
 */

/** Items of a list shown; the rest counted (`… +12`). */
const ITEMS = 10;
/** Characters of one value shown; the rest cut (`…`). */
const TEXT = 120;
/** Lines of one entry shown; the rest counted. */
const LINES = 12;

const cut = (s: string): string => (s.length > TEXT ? `${s.slice(0, TEXT)}…` : s);

/** A value in one piece: a text, a number or a flag as it is; anything else as JSON. */
function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v) ?? '—';
}

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) {
    const shown = (v as unknown[]).slice(0, ITEMS).map((x) => scalarText(x));
    return cut(shown.join(', ') + (v.length > ITEMS ? ` … +${v.length - ITEMS}` : '')) || '—';
  }
  return cut(scalarText(v));
}

/** `key: value` lines of `details` (an object one level deep: `outer.inner: value`); [] for none. */
export function detailLines(details: unknown): string[] {
  if (details === null || details === undefined) return [];
  if (typeof details !== 'object' || Array.isArray(details)) return [valueText(details)];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>))
        lines.push(`${k}.${k2}: ${valueText(v2)}`);
    else lines.push(`${k}: ${valueText(v)}`);
  }
  return lines.length > LINES ? [...lines.slice(0, LINES), `… +${lines.length - LINES}`] : lines;
}
