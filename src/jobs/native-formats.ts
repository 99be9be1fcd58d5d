/**
 * Wire formats truc maps into canonical records, by format (= system) and entity: the formats of
 * pulled pages, and the native formats vendors may push through the batch API.
 */
import { HCM_CSDL_MAPPINGS } from '../mappings/hcm-csdl/index.js';
import { moetPcgdPersonsMapping } from '../mappings/moet-pcgd/index.js';
import type { EntityMapping } from '../mappings/types.js';
import type { RecordEntity } from '../store/records.js';

type AnyMapping = EntityMapping<never, unknown, unknown>;

export const NATIVE_INBOUND: Record<string, Partial<Record<RecordEntity, AnyMapping>>> = {
  'hcm-csdl': HCM_CSDL_MAPPINGS as unknown as Partial<Record<RecordEntity, AnyMapping>>,
  'moet-pcgd': { persons: moetPcgdPersonsMapping as unknown as AnyMapping },
};
