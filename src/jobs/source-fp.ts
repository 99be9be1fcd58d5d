/**
 * The fingerprint of a pulled source record (issue 7): what a pulled page's records are recognised by when
 * they come again unchanged (./skip-unchanged.ts), worked out ahead of a page's transaction (./ingest-pulled.ts).
 */
import { hash } from 'node:crypto';
import { CATALOGUE_VERSION } from '../quality/index.js';
import { JsonWriter } from '../store/json-bytes.js';
import type { InboundMapping } from './inbound.js';

/** Where source records are written to be fingerprinted (one at a time: see {@link sourceFpOf}). */
const sourceBytes = new JsonWriter();
/** By mapping version: the UTF-8 bytes of the text its source fingerprints start with. */
const fpPrefixes = new Map<string, Buffer>();

/**
 * Fingerprint of a source record as a given mapping and quality catalogue turn it into a stored row: the
 * SHA-256 of `<mapping version>\n<catalogue version>\n<the record's JSON>`. The record's JSON is written as
 * bytes straight after the prefix's (issue 7: no JSON text, nor that text joined to the prefix, on the heap
 * a record; the same bytes: ../store/json-bytes.ts), or, for a record the writer leaves, as before.
 */
export function sourceFpOf(mapping: Pick<InboundMapping, 'version'>, raw: unknown): string {
  const { version } = mapping;
  let prefix = fpPrefixes.get(version);
  if (prefix === undefined)
    fpPrefixes.set(version, (prefix = Buffer.from(`${version}\n${CATALOGUE_VERSION}\n`)));
  sourceBytes.reset();
  const at = sourceBytes.write(raw, prefix);
  return at < 0
    ? hash('sha256', `${version}\n${CATALOGUE_VERSION}\n${JSON.stringify(raw)}`)
    : hash('sha256', sourceBytes.last(at));
}
