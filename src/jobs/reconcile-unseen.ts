/**
 * What a full run's reconciliation would delete (./reconcile.ts), chosen in one place for the reconciliation itself and
 * for its weighing ahead (./reconcile-ahead.ts, fix35b): the live records of the run's scope it did not see (last
 * written by its system before it began), but none of a school its listing gave up on (its set kept changing between
 * its pages, so records of it may have been skipped: review15 BUG 7), nor of a school a newer full run of that school
 * alone overtook (review18b S1: the newer run's reconciliation decides there), nor of a school a school system's run
 * did not walk ({@link ofWalkedSchools}), nor a class (or a school system's student) of a school year the run did not
 * list at its school ({@link ofListedYears}), nor of a school an approval left out ({@link withoutLeftOut}).
 */
import { classKeyParts } from '../canonical/entities.js';
import { schoolYearAt } from '../canonical/school-year.js';
import { SCHOOL_SYSTEMS } from '../canonical/systems.js';
import type { Queryable } from '../store/db.js';
import { createRecordsRepo } from '../store/records.js';
import type { SyncRun } from '../store/sync-run-reads.js';
import { createSyncRunsRepo } from '../store/sync-runs.js';
import type { YearsAt } from './run-counts.js';

type Unseen = Array<{ key: string; scope: string }>;

/** What the run's reconciliation would delete, the schools an approval left out (`left`, counted), the years weighed within. */
export interface ReconcileChoice {
  unseen: Unseen;
  left: Map<string, number>;
  yearsAt?: YearsAt | undefined;
}

/**
 * The records the run's reconciliation would delete now (with the run's pages as truc.sync_run_seen holds them).
 * `aheadYears`: weighed ahead (./reconcile-ahead.ts), the school years the held and weighed pages of a school system's
 * students run listed, as they wrote them (fix36e), beside those their stored copies tell.
 */
export async function unseenOfRun(
  q: Queryable,
  run: SyncRun,
  today: Date,
  aheadYears: ReadonlySet<string> = new Set(),
): Promise<ReconcileChoice> {
  const records = createRecordsRepo(q);
  // Left alone: schools the listing gave up on, and schools a newer full run of that school alone overtook.
  const leftAlone = new Set([
    ...run.unstableScopes,
    ...(await createSyncRunsRepo(q).schoolsOvertaken(run.id)),
  ]);
  const candidates = await records.unseenByRun(run.entity, {
    id: run.id,
    system: run.system,
    scope: run.scope,
    startedAt: run.createdAt,
    storedBefore: run.storedBefore,
  });
  const walked = await ofWalkedSchools(
    q,
    run,
    candidates.filter((r) => !leftAlone.has(r.scope)),
  );
  const { unseen: inScope, yearsAt } = await ofListedYears(q, run, walked, today, aheadYears);
  // Left alone too, counted: the schools an approval left out (fix33b, ./run-except.ts; their records not seen).
  return { ...withoutLeftOut(run, inScope), yearsAt };
}

/**
 * Of the unseen records of a school system's run of every school, those of the schools the run walked: a
 * school the system no longer lists (it left for another system) is not its to empty (review18b R2). The
 * schools walked are those its pages' records named, kept with each page (migration 640), not where the
 * records it carried live in truc: a copy the system lists at one school of a record truc holds at another
 * does not make that other school walked. A school listed with no record at all keeps its records too (a
 * run of that one school deletes them). Any other run: all of them.
 */
async function ofWalkedSchools(q: Queryable, run: SyncRun, unseen: Unseen): Promise<Unseen> {
  if (run.scope !== '' || !(SCHOOL_SYSTEMS as readonly string[]).includes(run.system)) return unseen;
  if (unseen.length === 0) return unseen;
  const walked = await createSyncRunsRepo(q).listedSchools(run.id);
  return unseen.filter((r) => walked.has(r.scope));
}

/**
 * Of a classes run's unseen classes, those of the school years it listed at their school (today's school year,
 * at a school it listed no class of): classes are kept by school year, and last year's stay
 * for the records that name them (PCGD-XMC's counts of past years, a student's class of that year), as a
 * vendor's class snapshot leaves the years it does not carry (./snapshot-missing.ts). A listing of this year's
 * classes says nothing of last year's: deleting them at every rollover would empty the school's history, and
 * their deletions would travel to the schools' own systems (left20 item 1).
 * Of a school system's (smas, vnedu) students run's unseen students, likewise those of the school years it listed
 * at their school (pullyear25, the one rule of a vendor's student snapshot, snap24): such a system keeps a student
 * of each school year and lists the year it is in, so last year's students it does not list (its graduates, its
 * summer leavers) are last year's records, not students gone. The city database's students run is not weighed so:
 * it holds one record per student whatever the year, graduates included (`Tốt nghiệp`), and lists every one of
 * them; a student it no longer lists is gone from the city. Any other run: all of them.
 */
async function ofListedYears(
  q: Queryable,
  run: SyncRun,
  unseen: Unseen,
  today: Date,
  aheadYears: ReadonlySet<string>,
): Promise<{ unseen: Unseen; yearsAt?: YearsAt }> {
  if (unseen.length === 0) return { unseen };
  const runs = createSyncRunsRepo(q);
  let listed: Set<string>;
  let yearOf: (key: string) => string;
  const students = run.entity === 'students' && (SCHOOL_SYSTEMS as readonly string[]).includes(run.system);
  if (run.entity === 'classes') {
    listed = await runs.listedClassYears(run.id);
    yearOf = (key) => classKeyParts(key).year;
  } else if (students) {
    // Weighed ahead, the held pages' stored copies are as before the run (at a rollover: last year's), so the years
    // they wrote are added: never fewer years than the run's end weighs within (fix36e).
    listed = new Set([...(await runs.listedStudentYears(run.id, run.system)), ...aheadYears]);
    const years = await createRecordsRepo(q).schoolYearsOf(
      'students',
      unseen.map((r) => r.key),
    );
    yearOf = (key) => years.get(key) ?? '';
  } else return { unseen };
  const current = schoolYearAt(today);
  const yearsOf = new Map<string, string[]>();
  for (const unit of listed) {
    const at = unit.indexOf('/');
    const school = unit.slice(0, at);
    yearsOf.set(school, [...(yearsOf.get(school) ?? []), unit.slice(at + 1)]);
  }
  /** The years a school's deletions are within: those listed there, else this school year. */
  const yearsAt: YearsAt = (school) => yearsOf.get(school) ?? [current];
  const kept = unseen.filter((r) => yearsAt(r.scope).includes(yearOf(r.key)));
  // A classes run is weighed per class year already (./run-guard.ts `runUnit`); a students run, within these years.
  return students ? { unseen: kept, yearsAt } : { unseen: kept };
}

/** Of the unseen records, those of no school an approval left out; how many of each such school are `left`. */
function withoutLeftOut(run: SyncRun, unseen: Unseen): { unseen: Unseen; left: Map<string, number> } {
  const left = new Map<string, number>();
  if (run.rejectedSchools.length === 0) return { unseen, left };
  const out = new Set(run.rejectedSchools);
  for (const r of unseen) if (out.has(r.scope)) left.set(r.scope, (left.get(r.scope) ?? 0) + 1);
  return { unseen: unseen.filter((r) => !out.has(r.scope)), left };
}
