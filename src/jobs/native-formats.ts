/**
 * Wire formats truc maps into canonical records, by format (= system) and entity: the formats of
 * pulled pages, and the native formats vendors may push through the batch API. A pushed native
 * record is first checked against the system's wire schema (its shape), then mapped.
 */
import type { z } from 'zod';
import { smasRecordSchemas } from '../adapters/smas/schema.js';
import { vneduRecordSchemas } from '../adapters/vnedu/schema.js';
import { HCM_CSDL_MAPPINGS, HCM_CSDL_PREVIOUS_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import { moetPcgdPersonsMapping } from '../mappings/moet-pcgd/index.js';
import { smasMappings } from '../mappings/smas/index.js';
import type { EntityMapping } from '../mappings/types.js';
import { vneduMappings } from '../mappings/vnedu/index.js';
import type { EntityName } from '../config.js';

export interface NativeFormat {
  mapping: EntityMapping<never, unknown, unknown>;
  /** Shape of one wire record; checked before mapping when the record comes from a vendor push. */
  wire?: z.ZodType;
}

type Table = Partial<Record<EntityName, NativeFormat>>;

function table(mappings: object, wires?: object): Table {
  const out: Table = {};
  for (const [entity, mapping] of Object.entries(mappings)) {
    const wire = (wires as Record<string, z.ZodType> | undefined)?.[entity];
    out[entity as EntityName] = { mapping: mapping as NativeFormat['mapping'], ...(wire ? { wire } : {}) };
  }
  return out;
}

export const NATIVE_INBOUND: Record<string, Table> = {
  'hcm-csdl': table(HCM_CSDL_MAPPINGS),
  'moet-pcgd': table({ persons: moetPcgdPersonsMapping }),
  smas: table(smasMappings, smasRecordSchemas),
  vnedu: table(vneduMappings, vneduRecordSchemas),
};

/**
 * Earlier mapping versions still loadable, by format and entity (newest first): what a dead letter's
 * replay pinned to the version its work first ran with maps with. Same wire check as the current one.
 */
export const PREVIOUS_INBOUND: Record<string, Partial<Record<EntityName, readonly NativeFormat[]>>> = {
  'hcm-csdl': {
    students: HCM_CSDL_PREVIOUS_MAPPINGS.students.map((mapping) => ({
      mapping: mapping as unknown as NativeFormat['mapping'],
    })),
  },
};
