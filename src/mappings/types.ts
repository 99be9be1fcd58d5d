/**
 * The contract every mapping (wire ⇄ canonical) follows. Mappings are pure: no I/O, no logging, no
 * clock other than `ctx.now`. A value that cannot be mapped (an unknown code, a bad date) is a
 * finding, never a crash.
 */
import type { z } from 'zod';

export type Severity = 'error' | 'warning';

export interface MappingFinding {
  /** JSON pointer into the wire record, e.g. `/ngaySinh`. */
  readonly pointer: string;
  /** Stable rule code, e.g. `MAP_UNKNOWN_CODE`, `MAP_BAD_DATE`, `MAP_MISSING_FIELD`. */
  readonly rule: string;
  readonly severity: Severity;
  readonly vi: string;
  readonly en: string;
  /**
   * The finding refuses a personal ID the wire record holds (left out of the record): the batch's sink then says no
   * more of that record's /personalId (not "missing": src/quality/sink.ts). A catalogued refusal
   * (DUNG_PERSONAL_ID_FORMAT, _LEGACY) is known by its code; this marks a mapping's own (moet-pcgd's
   * MAP_BAD_PERSONAL_ID).
   */
  readonly refusesPersonalId?: true;
}

export type MapResult<T> =
  | { readonly ok: true; readonly value: T; readonly findings: readonly MappingFinding[] }
  | {
      readonly ok: false;
      readonly findings: readonly MappingFinding[];
      /**
       * What of the refused record can still be judged, as canonical fields: its fields but the `broken` ones (those
       * a finding refused). The quality engine's record rules judge it, so every problem is told at once (walk13).
       */
      readonly apart?: {
        readonly rec: Readonly<Record<string, unknown>>;
        readonly broken: ReadonlySet<string>;
      };
    };

export interface MapContext {
  /** The school the record belongs to when the wire record does not say (vendor pushes). */
  readonly schoolCode?: string;
  /** The school year the record belongs to when the wire record does not say. */
  readonly schoolYear?: string;
  readonly now: () => Date;
}

/** One entity's mapping for one system. `version` is stored with every record it produced. */
export interface EntityMapping<Wire, Canonical, WireOut = Wire> {
  /** e.g. `hcm-csdl/students@1`; bump when the mapping's output changes for the same input. */
  readonly version: string;
  toCanonical(wire: Wire, ctx: MapContext): MapResult<Canonical>;
  /**
   * The canonical schema every record `toCanonical` maps comes out of: it ends with that schema's parse
   * (./hcm-csdl/shared.ts `finish`). The inbound side (src/jobs/inbound.ts), which validates a mapping's
   * output with the entity's schema, then does not parse it a second time (issue 7: every pulled record
   * was). Absent: the output is validated there. The claim is checked on simulator records
   * (test/unit/mappings/hcm-csdl.test.ts: parsing an output again with this schema gives it back).
   */
  readonly validatedBy?: z.ZodType<Canonical>;
  fromCanonical?: (record: Canonical, ctx: MapContext) => WireOut;
  /**
   * The wire field of each canonical field, where the format names them one for one (SMAS, vnEdu): what a
   * batch's findings are told in (review34a F5, src/jobs/finding-pointers.ts). Absent: no such table.
   */
  readonly wireNames?: Readonly<Record<string, string>>;
}
