/**
 * Refused records are not judged again every night (issue 7): a pulled record refused for reasons of its
 * own (its mapping, the canonical schema, input and record rules at error severity) is remembered with
 * its source fingerprint (wire form, mapping and catalogue versions) and the stamp of the rules that
 * judged it (the city's quality policy, the school year). The next pull of the very same record under
 * the same rules counts it refused without mapping or judging it (./ingest.ts).
 *
 * A refusal that depends on other records is remembered only where what it depends on can be named and
 * checked: a personal ID that other live records of the record's school hold (the in-batch and the
 * stored duplicate rules) is remembered with those holders' keys and fingerprints, read after the page's
 * writes. It stands while every holder is still live with that fingerprint (then a judgment would refuse
 * the record again: the stored duplicate rule), and while nothing else on its page is judged (a holder
 * the page brings is judged as the page has it); a holder deleted or changed judges it again. Any other
 * refusal that depends on other records (an unknown school or class, a key held elsewhere) is judged
 * every time, and so is a refusal by a rule that reads today (`readsToday` in the catalogue: a date in the
 * future, an age, a deadline), whose verdict can change from one day to the next within a school year.
 */
import { createHash } from 'node:crypto';
import { schoolYearAt } from '../canonical/school-year.js';
import type { Config, EntityName } from '../config.js';
import { policyDigest, ruleByCode } from '../quality/index.js';
import type { Queryable } from '../store/db.js';
import { createRefusalsRepo } from '../store/refusals.js';
import type { Checked } from './judge.js';

/**
 * What is remembered of a refusal, and when: bumped when that changes, so that refusals remembered before
 * lapse once and are judged on the next pull (2: none by a rule that reads today; 3: a student's provisional
 * record `TAM-<ID>` no longer refuses its sector code, which takes it over: ./rekey.ts).
 */
const REMEMBERED = 3;

/** The rules a refusal was judged under, beyond the catalogue version: the city's policy and the school year. */
export function rulesStamp(config: Pick<Config, 'quality'>, now: Date): string {
  return createHash('sha256')
    .update(`refusals ${REMEMBERED}\n${schoolYearAt(now)}\n${policyDigest(config.quality)}`)
    .digest('hex');
}

/** Scopes whose verdict depends on the record alone (and the rules). */
const OWN_SCOPES: ReadonlySet<string> = new Set(['input', 'record']);

/** Rules whose refusal depends on the live records of the school that hold the record's personal ID. */
const HELD_ID_RULES: ReadonlySet<string> = new Set([
  'SACH_DUPLICATE_PERSONAL_ID',
  'SACH_DUPLICATE_PERSONAL_ID_STORED',
]);

/** Why a judged record was refused, as far as a later pull may take it as still refused. */
export type RefusalKind = 'own' | 'held-id';

/**
 * The judged records (by index) refused for reasons that can be remembered: 'own', every error finding
 * on them is a mapping or schema finding (outside the catalogue) or a catalogued input or record rule;
 * 'held-id', the others are the duplicate personal ID rules (and the record mapped with a personal ID).
 */
export function rememberedRefusals(checked: Checked): Map<number, RefusalKind> {
  const refused = new Map<number, RefusalKind>();
  checked.records.forEach((rec, i) => {
    if (rec === undefined || checked.rejected.has(i)) refused.set(i, 'own');
  });
  const errors = new Set<number>();
  const other = new Set<number>();
  for (const f of checked.findings) {
    if (f.index < 0 || f.severity !== 'error' || !refused.has(f.index)) continue;
    errors.add(f.index);
    const rule = ruleByCode(f.rule);
    // A rule that reads today may judge the same record otherwise tomorrow: the stamp knows no day.
    if (rule?.readsToday) {
      other.add(f.index);
      continue;
    }
    if (!rule || OWN_SCOPES.has(rule.scope)) continue;
    if (HELD_ID_RULES.has(rule.code) && checked.records[f.index]?.personalId !== undefined)
      refused.set(f.index, 'held-id');
    else other.add(f.index);
  }
  // A refusal without an error finding to show for it, or with one that depends on what is not named, is not remembered.
  for (const i of refused.keys()) if (!errors.has(i) || other.has(i)) refused.delete(i);
  return refused;
}

/** The judged records (by index) refused for reasons of their own only (see {@link rememberedRefusals}). */
export function refusedOnTheirOwn(checked: Checked): Set<number> {
  return new Set([...rememberedRefusals(checked)].flatMap(([i, kind]) => (kind === 'own' ? [i] : [])));
}

/**
 * Remembers the refusals of a judged pulled page (records whose source key is unique in the page); a
 * duplicate personal ID's with the holders it stands on (../store/refusals.ts).
 */
export async function noteRefusals(
  q: Queryable,
  target: { system: string; entity: EntityName; rules: string },
  checked: Checked,
  source: {
    readonly sourceKeys: readonly (string | undefined)[];
    readonly sourceFps: readonly (string | undefined)[];
  },
): Promise<void> {
  const rows = [...rememberedRefusals(checked)].flatMap(([i, kind]) => {
    const sourceKey = source.sourceKeys[i];
    const sourceFp = source.sourceFps[i];
    if (sourceKey === undefined || sourceFp === undefined) return [];
    const rec = checked.records[i];
    const heldId = kind === 'held-id' ? (rec?.personalId ?? null) : null;
    return [{ sourceKey, sourceFp, recordKey: rec?.key ?? null, scope: rec?.scope ?? null, heldId }];
  });
  await createRefusalsRepo(q).note(target, rows);
}
