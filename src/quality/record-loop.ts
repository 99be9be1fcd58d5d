/**
 * The record loops of the engine, compiled once per set of checks: every record is read through a
 * view of one fixed shape (`viewerOf`) and runs each check from its own call site (`loopOf`), so
 * the checks' property reads and calls stay monomorphic.
 */
import type { EntityName } from '../canonical/entities.js';
import { ENTITY_SCHEMAS } from '../canonical/entities.js';
import type { RecordCheck } from './rules/define.js';
import type { BatchSink } from './sink.js';
import type { BatchContext, Rec } from './types.js';

export type RecordLoop = (
  records: readonly (Rec | undefined)[],
  ctx: BatchContext,
  sink: BatchSink,
  view: Viewer,
  views: (Rec | undefined)[],
) => void;

/** Copies a record's fields into an object of one fixed shape (see `viewerOf`). */
export type Viewer = (rec: Rec) => Rec;

const viewers = new Map<EntityName, Viewer>();
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * The viewer of an entity: a function copying the fields of its schema into one object literal, the
 * same fields in the same order whatever the record holds (an absent field reads undefined, as it
 * does on the record). Records reach the checks in many shapes (each set of optional fields present,
 * JSON-parsed or built, from each source's mapping); a check's property reads that see more than four
 * shapes turn megamorphic and cost several times a monomorphic read, so every check reads a view of one
 * shape instead, built once per record by reading each field once. Only the schema's fields are in
 * the view: the checks judge canonical records, which hold no other (the strict schemas refuse them).
 */
export function viewerOf(entity: EntityName): Viewer {
  let viewer = viewers.get(entity);
  if (viewer === undefined) {
    const keys = Object.keys(ENTITY_SCHEMAS[entity].shape);
    if (keys.length > 64 || !keys.every((k) => FIELD.test(k))) viewer = (rec) => rec;
    else {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- compiled from the schema's own field names (identifiers, checked above)
      viewer = new Function('r', `return { ${keys.map((k) => `${k}: r.${k}`).join(', ')} };`) as Viewer;
    }
    viewers.set(entity, viewer);
  }
  return viewer;
}

/** The compiled loops, by the ids of the checks they run (`loopOf`). */
const loops = new Map<string, RecordLoop>();
const checkIds = new WeakMap<RecordCheck, number>();
let nextCheckId = 0;

function idOf(check: RecordCheck): number {
  let id = checkIds.get(check);
  if (id === undefined) {
    id = nextCheckId++;
    checkIds.set(check, id);
  }
  return id;
}

/**
 * One loop running `checks` in order over every present record: a record's checks run one after the
 * other on its view (`viewerOf`). The loop is compiled for its checks (`new Function`, as zod
 * compiles its parsers), each called from its own site, so every call sees one target and can be
 * inlined; one generic loop would dispatch each call through a megamorphic site. A check's repair
 * (`patch`) replaces or changes the record in `records`, so the view is built again for the next
 * check. The last view of each record is left in `views` for the batch checks.
 */
export function loopOf(checks: readonly RecordCheck[]): RecordLoop {
  const key = checks.map(idOf).join(',');
  let loop = loops.get(key);
  if (loop === undefined) {
    const calls = checks
      .map(
        (_, k) =>
          `    c${k}.check(v, i, ctx, sink);\n    if (sink.patches !== p) { p = sink.patches; v = view(records[i]); }`,
      )
      .join('\n');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- constant source, no input in it
    const make = new Function(
      ...checks.map((_, k) => `c${k}`),
      `return function loop(records, ctx, sink, view, views) {
  const n = records.length;
  let p = sink.patches;
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (r === undefined) continue;
    let v = view(r);
${calls}
    views[i] = v;
  }
};`,
    ) as (...c: RecordCheck[]) => RecordLoop;
    loop = make(...checks);
    loops.set(key, loop);
  }
  return loop;
}
