/** Native vendor formats accepted by the batch API, by format and entity. */
import type { EntityMapping } from '../mappings/types.js';
import type { RecordEntity } from '../store/records.js';

export const NATIVE_INBOUND: Record<string, Partial<Record<RecordEntity, EntityMapping<never, unknown>>>> = {};
