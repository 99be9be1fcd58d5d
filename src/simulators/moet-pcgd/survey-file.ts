/**
 * `truc sim moet-pcgd --persons FILE`: survey records an officer brings (JSON lines of the modelled
 * wire person, as `GET /v1/units/{commune}/persons` returns them, e.g. last year's export), served
 * instead of the seeded population for the communes the file contains. Every line is checked against
 * the wire schema; an error names the line and field, never a value (the file holds personal data).
 */
import { readFileSync } from 'node:fs';
import { personSchema, type PersonWire } from '../../adapters/moet-pcgd/schema.js';

/** The file's records by commune (`maXa`), in file order. */
export function readSurveyFile(path: string): Map<string, PersonWire[]> {
  const byCommune = new Map<string, PersonWire[]>();
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not a JSON object`);
    }
    const parsed = personSchema.safeParse(raw);
    if (!parsed.success) {
      const at = parsed.error.issues[0]?.path.join('.') || '(record)';
      throw new Error(`${path}:${i + 1}: not a moet-pcgd person record (${at})`);
    }
    const list = byCommune.get(parsed.data.maXa) ?? [];
    list.push(parsed.data);
    byCommune.set(parsed.data.maXa, list);
  });
  return byCommune;
}

/** One page of a commune's records from the file: after index `after`, at most `limit`. */
export function filePage(
  records: readonly PersonWire[],
  after: number,
  limit: number,
): { items: PersonWire[]; last: number; more: boolean } {
  const start = after + 1;
  const items = records.slice(start, start + limit);
  const last = start + items.length - 1;
  return { items, last, more: last < records.length - 1 };
}
