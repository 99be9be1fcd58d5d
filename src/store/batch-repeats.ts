/**
 * What a judged vendor batch leaves for its repeats and how `finish` writes it (issue 7, unchanged
 * re-push; migration 280): the state a repeat is judged against, and the SQL and parameters that keep it.
 */
import type { EntityName } from '../config.js';
import { intactKeys } from './record-tables.js';

/**
 * The state a judged vendor batch left, which its repeats are judged against: its tag (the mapping and
 * rule versions and the day) and the snapshot of its first read with its transaction's id: the
 * school is as it left it while no change feed row of the school comes from a transaction the snapshot
 * did not see, other than its own (migration 280; ./record-tables.ts `changedSince`). Text, as
 * PostgreSQL writes a pg_snapshot and an xid8.
 */
export interface RepeatState {
  repeatTag: string;
  snapshot: string;
  xact: string;
}

/** What a repeated batch is judged against: the last judged batch of the same body and the state it left. */
export interface RepeatOf extends RepeatState {
  id: string;
  /** The batch that keeps its findings (itself, or the one it repeats: migration 170). */
  findingsOf: string;
  /** How many findings that is. */
  findings: number;
}

/**
 * The state a judged batch leaves for its repeats ({@link RepeatState}), taken by the statement that
 * finishes it (issue 7: one round trip less): `tag`, `snapshot` (that of the judgment's first read, so
 * that a change committed while the batch was judged is one its repeats see) and the statement's
 * transaction id; or none when one of `expected` (key → fingerprint) is not live in the school with that
 * fingerprint.
 */
export interface RepeatTagOf {
  entity: EntityName;
  schoolCode: string;
  tag: string;
  snapshot: string;
  expected: ReadonlyMap<string, string>;
  /**
   * Every key the batch carried (written or unchanged): kept with the batch (`carried_keys`, migration 600), what
   * a re-push of its body judged at once carried (../store/word-arrival.ts).
   */
  keys: readonly string[];
}

/**
 * `finish`'s assignment of the repeat state (repeat_tag, repeat_snapshot, repeat_xact): none (`$6` NULL);
 * one given (`$6`, `$10`, `$11`: a repeat keeps the state it was judged against); or taken here
 * ({@link RepeatTagOf}: the tag `$6`, the snapshot `$10` and this statement's transaction id, when
 * `expected` (`$12`) is intact in the school `$11`; no row sets the three to NULL).
 */
export function repeatSql(repeat: RepeatState | RepeatTagOf | null): string {
  if (repeat === null) return 'repeat_tag = $6, repeat_snapshot = NULL, repeat_xact = NULL';
  if (!('expected' in repeat))
    return 'repeat_tag = $6, repeat_snapshot = $10::pg_snapshot, repeat_xact = $11::xid8';
  const taken = 'SELECT $6::text, $10::pg_snapshot, pg_current_xact_id()';
  if (repeat.expected.size === 0)
    return `(repeat_tag, repeat_snapshot, repeat_xact) = (${taken}), carried_keys = $11::text[]`;
  const row = `${taken} WHERE ${intactKeys(repeat.entity, '$11', '$12')}`;
  return `(repeat_tag, repeat_snapshot, repeat_xact) = (${row}), carried_keys = $13::text[]`;
}

/** `finish`'s parameters after `$9` for {@link repeatSql}. */
export function repeatParams(repeat: RepeatState | RepeatTagOf | null): unknown[] {
  if (repeat === null) return [];
  if (!('expected' in repeat)) return [repeat.snapshot, repeat.xact];
  if (repeat.expected.size === 0) return [repeat.snapshot, [...repeat.keys]];
  return [
    repeat.snapshot,
    repeat.schoolCode,
    JSON.stringify(Object.fromEntries(repeat.expected)),
    [...repeat.keys],
  ];
}
