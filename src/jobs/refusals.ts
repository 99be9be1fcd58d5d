/**
 * Refused records are not judged again every night (issue 7): a pulled record refused for reasons of its
 * own (its mapping, the canonical schema, input and record rules at error severity) is remembered with
 * its source fingerprint (wire form, mapping and catalogue versions) and the stamp of the rules that
 * judged it (the city's quality policy, the school year). The next pull of the very same record under
 * the same rules counts it refused without mapping or judging it (./ingest.ts). A refusal that depends on
 * other records (batch or store rules: a duplicate, an unknown school or class) is judged every time.
 */
import { createHash } from 'node:crypto';
import { schoolYearOf, vietnamDateOf } from '../canonical/school-year.js';
import type { Config, EntityName } from '../config.js';
import { ruleByCode } from '../quality/index.js';
import type { Queryable } from '../store/db.js';
import { createRefusalsRepo } from '../store/refusals.js';
import type { Checked } from './judge.js';

/** The rules a refusal was judged under, beyond the catalogue version: the city's policy and the school year. */
export function rulesStamp(config: Pick<Config, 'quality'>, now: Date): string {
  return createHash('sha256')
    .update(`${schoolYearOf(vietnamDateOf(now))}\n`)
    .update(JSON.stringify(config.quality))
    .digest('hex');
}

/** Scopes whose verdict depends on the record alone (and the rules). */
const OWN_SCOPES: ReadonlySet<string> = new Set(['input', 'record']);

/**
 * The judged records (by index) refused for reasons of their own only: every error finding on them is
 * a mapping or schema finding (outside the catalogue) or a catalogued input or record rule.
 */
export function refusedOnTheirOwn(checked: Checked): Set<number> {
  const refused = new Set<number>();
  checked.records.forEach((rec, i) => {
    if (rec === undefined || checked.rejected.has(i)) refused.add(i);
  });
  const errors = new Set<number>();
  for (const f of checked.findings) {
    if (f.index < 0 || f.severity !== 'error' || !refused.has(f.index)) continue;
    errors.add(f.index);
    const rule = ruleByCode(f.rule);
    if (rule && !OWN_SCOPES.has(rule.scope)) refused.delete(f.index);
  }
  // A refusal without an error finding to show for it is not remembered.
  for (const i of refused) if (!errors.has(i)) refused.delete(i);
  return refused;
}

/** Remembers the refusals of a judged pulled page (records whose source key is unique in the page). */
export async function noteRefusals(
  q: Queryable,
  target: { system: string; entity: EntityName; rules: string },
  checked: Checked,
  source: {
    readonly sourceKeys: readonly (string | undefined)[];
    readonly sourceFps: readonly (string | undefined)[];
  },
): Promise<void> {
  const rows = [...refusedOnTheirOwn(checked)].flatMap((i) => {
    const sourceKey = source.sourceKeys[i];
    const sourceFp = source.sourceFps[i];
    if (sourceKey === undefined || sourceFp === undefined) return [];
    const rec = checked.records[i];
    return [{ sourceKey, sourceFp, recordKey: rec?.key ?? null, scope: rec?.scope ?? null }];
  });
  await createRefusalsRepo(q).note(target, rows);
}
