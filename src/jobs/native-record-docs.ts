/**
 * What the OpenAPI document tells of a native format's records (src/api/record-schemas.ts, W5-11), read from the
 * mapping those records are read with: each wire field's accepted values, pattern and words
 * (src/mappings/school-system-docs.ts), and the wire record the mapping writes of a canonical one (the fields'
 * examples). The API reaches mappings through here only (.dependency-cruiser.cjs).
 */
import { wireFieldDocs, type WireFieldDoc } from '../mappings/school-system-docs.js';
import { smasMappings } from '../mappings/smas/index.js';
import { vneduMappings } from '../mappings/vnedu/index.js';

export type { WireFieldDoc } from '../mappings/school-system-docs.js';

export interface NativeRecordDocs {
  readonly fields: Readonly<Record<string, WireFieldDoc>>;
  readonly write: (record: object) => Record<string, unknown>;
}

type DocumentedMapping = Parameters<typeof wireFieldDocs>[0] & { fromCanonical: (record: never) => unknown };

/** The native formats whose mappings name their fields one for one (the school systems'). */
const MAPPINGS: Record<string, Record<string, DocumentedMapping>> = {
  smas: smasMappings,
  vnedu: vneduMappings,
};

/** The documentation of a native format's records of `entity`; undefined for another format or entity. */
export function nativeRecordDocs(format: string, entity: string): NativeRecordDocs | undefined {
  const mapping = MAPPINGS[format]?.[entity];
  if (!mapping) return undefined;
  return {
    fields: wireFieldDocs(mapping),
    write: (record) => mapping.fromCanonical(record as never) as Record<string, unknown>,
  };
}
