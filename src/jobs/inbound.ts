/**
 * Which mapping turns a pushed record of a given format and entity into a canonical record, and how
 * that record is keyed and scoped. Vendors push in truc's canonical format or natively (smas, vnedu);
 * the native formats use the same mapping code as scheduled pulls.
 */
import type { z } from 'zod';
import { ENTITY_SCHEMAS, naturalKey, scopeOf } from '../canonical/entities.js';
import { canonicalToCanonical, CANONICAL_MAPPING_VERSION, zodFindings } from '../mappings/canonical/index.js';
import type { EntityMapping, MapContext, MapResult } from '../mappings/types.js';
import { AppError } from '../errors.js';
import type { EntityName } from '../config.js';
import { NATIVE_INBOUND, PREVIOUS_INBOUND, type NativeFormat } from './native-formats.js';

export interface InboundRecord {
  key: string;
  /** School (or commune) the record belongs to: checked against the batch's school. */
  scope: string;
  personalId: string | undefined;
  data: unknown;
}

export interface InboundMapping {
  version: string;
  map(raw: unknown, ctx: MapContext): MapResult<InboundRecord>;
  /**
   * The natural key a wire record will most likely map to, read without mapping it (pulled pages
   * skip unchanged records by it, ./ingest.ts): a guess only — a record is skipped only when the
   * stored row of that key was made from the very same source record.
   */
  sourceKey?: (raw: unknown) => string | undefined;
  /**
   * When the source last changed the wire record, by its own clock (hcm-csdl's `updatedAt`), read without mapping
   * it: a copy no later than the source's own tombstone of the record is one it served before deleting it, not a
   * restore (./skip-unchanged.ts). Only a source that sends tombstones tells it (./sources.ts: the same clock).
   */
  sourceTime?: (raw: unknown) => string | undefined;
  /**
   * The fields a wire record of the format may carry, where its format names them one for one (smas, vnedu): its
   * wire schema's fields, those truc reads (the mapping's `wireNames`) and those the format defines but truc does not
   * carry (SMAS `TenLop`, `NgayCapNhat`; vnEdu `updated_at`: documented as not read in the record's schema). What
   * else a vendor's record sent is outside the format, truc ignored it (./ignored-fields.ts). Absent: not told.
   */
  knows?: ReadonlySet<string>;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Source keys of the wire formats that have one (the systems of record's sector codes). smas and vnedu have
 * none, and the precedence rules rely on it: a page with source keys takes its stored rows from the skip's
 * read (../store/refusals.ts `storedAndStanding`, ./judge.ts `check`'s `known`), which does not read what truc
 * knows a school's system holds (../store/system-copies.ts), so the older-copy rule (./judge.ts `plan`) would
 * never apply to their pages. A source key for them needs that read to carry the copies first.
 */
const SOURCE_KEYS: Readonly<
  Record<string, Partial<Record<EntityName, (raw: unknown) => string | undefined>>>
> = {
  'hcm-csdl': {
    schools: (raw) => text((raw as Record<string, unknown>)?.['maDinhDanh']),
    students: (raw) => text((raw as Record<string, unknown>)?.['maDinhDanh']),
    staff: (raw) => text((raw as Record<string, unknown>)?.['maDinhDanh']),
    classes: (raw) => {
      const r = raw as Record<string, unknown> | null;
      const school = text(r?.['maTruong']);
      const year = text(r?.['namHoc']);
      const code = text(r?.['maDinhDanh']);
      return school && year && code ? `${school}/${year}/${code}` : undefined;
    },
  },
};

/** The wire records' change times of the formats that send tombstones too ({@link InboundMapping} `sourceTime`). */
const SOURCE_TIMES: Readonly<Record<string, (raw: unknown) => string | undefined>> = {
  'hcm-csdl': (raw) => text((raw as Record<string, unknown> | null)?.['updatedAt']),
};

export function keyed(entity: EntityName, value: Record<string, unknown>): InboundRecord {
  return {
    key: naturalKey(entity, value as never),
    scope: scopeOf(entity, value),
    personalId: typeof value.personalId === 'string' ? value.personalId : undefined,
    data: value,
  };
}

/**
 * The keys of the records mapped (those not refused), in order: a loop (issue 7: a `flatMap` made an array a record,
 * ~0.1 ms of a 1000-record batch).
 */
export function mappedKeys(records: readonly (InboundRecord | undefined)[]): string[] {
  const keys: string[] = [];
  for (const rec of records) if (rec) keys.push(rec.key);
  return keys;
}

/**
 * The mapping of a format and entity: the current one, or the given `version` when it is still
 * loadable (a replay pinned to the version its work first ran with). An unknown version is
 * ERR_MAPPING_VERSION_UNKNOWN.
 */
export function inboundMapping(format: string, entity: EntityName, version?: string): InboundMapping {
  if (format === 'canonical') {
    if (version !== undefined && version !== CANONICAL_MAPPING_VERSION)
      throw unknownVersion(format, entity, version);
    const schema = ENTITY_SCHEMAS[entity] as z.ZodType;
    return {
      version: CANONICAL_MAPPING_VERSION,
      map(raw) {
        const r = canonicalToCanonical(schema, raw);
        return r.ok
          ? { ok: true, value: keyed(entity, r.value as Record<string, unknown>), findings: r.findings }
          : r;
      },
    };
  }
  const current = NATIVE_INBOUND[format]?.[entity];
  if (!current) throw new AppError('ERR_ENTITY_UNSUPPORTED', `format ${format} has no mapping for ${entity}`);
  const versionOf = (e: NativeFormat) => (e.mapping as unknown as EntityMapping<unknown, unknown>).version;
  const entry =
    version === undefined || version === versionOf(current)
      ? current
      : PREVIOUS_INBOUND[format]?.[entity]?.find((e) => versionOf(e) === version);
  if (!entry) throw unknownVersion(format, entity, version!);
  const sourceKey = SOURCE_KEYS[format]?.[entity];
  const sourceTime = SOURCE_TIMES[format];
  return {
    ...nativeMapping(entity, entry, current.wire),
    ...(sourceKey ? { sourceKey } : {}),
    ...(sourceTime ? { sourceTime } : {}),
  };
}

const unknownVersion = (format: string, entity: string, version: string) =>
  new AppError('ERR_MAPPING_VERSION_UNKNOWN', `${format} ${entity}: mapping ${version} is not loadable`);

/** The fields a wire schema names (an object's shape), none for another schema. */
const fieldsOf = (wire: z.ZodType | undefined): string[] => {
  const shape = (wire as { shape?: unknown } | undefined)?.shape;
  return typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
};

function nativeMapping(entity: EntityName, entry: NativeFormat, wire: z.ZodType | undefined): InboundMapping {
  const native = entry.mapping as unknown as EntityMapping<unknown, unknown>;
  const schema = ENTITY_SCHEMAS[entity] as z.ZodType;
  const validated = native.validatedBy === schema;
  return {
    version: native.version,
    ...(native.wireNames ? { knows: new Set([...Object.values(native.wireNames), ...fieldsOf(wire)]) } : {}),
    map(raw, ctx) {
      if (wire) {
        const shape = wire.safeParse(raw);
        if (!shape.success) return { ok: false, findings: zodFindings(shape.error, 'WIRE') };
      }
      const r = native.toCanonical(raw, ctx);
      if (!r.ok) return r;
      // The mapping's output is re-validated (a mapping bug must not reach the store), unless it comes
      // out of this very schema's parse already.
      const checked = validated ? r : canonicalToCanonical(schema, r.value);
      if (!checked.ok) return { ok: false, findings: [...r.findings, ...checked.findings] };
      return {
        ok: true,
        value: keyed(entity, checked.value as Record<string, unknown>),
        findings: r.findings,
      };
    },
  };
}
