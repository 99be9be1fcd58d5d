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

/** What follows the prefix when a record is fingerprinted by its bytes as received (no JSON text begins so). */
const AS_RECEIVED = Buffer.from('as-received\n');
/** Where a record's bytes as received are put after the prefix (one record at a time). */
let receivedBytes = Buffer.allocUnsafe(16 * 1024);

/** `prefix`, {@link AS_RECEIVED} and `bytes`, one after the other (a view of {@link receivedBytes}). */
function asReceived(prefix: Buffer, bytes: Uint8Array): Buffer {
  const head = prefix.length + AS_RECEIVED.length;
  const size = head + bytes.length;
  if (size > receivedBytes.length) receivedBytes = Buffer.allocUnsafe(2 * size);
  receivedBytes.set(prefix, 0);
  receivedBytes.set(AS_RECEIVED, prefix.length);
  receivedBytes.set(bytes, head);
  return receivedBytes.subarray(0, size);
}

/**
 * Fingerprint of a source record as a given mapping and quality catalogue turn it into a stored row: the
 * SHA-256 of `<mapping version>\n<catalogue version>\n<the record's JSON>`. The record's JSON is written as
 * bytes straight after the prefix's (issue 7: no JSON text, nor that text joined to the prefix, on the heap
 * a record; the same bytes: ../store/json-bytes.ts), or, for a record the writer leaves, as before.
 * A record whose bytes as the system sent them are known (`bytes`, ./sources.ts `itemBytes`: the same bytes
 * always parse to the same record) is fingerprinted by them instead, after the prefix and `as-received\n`
 * (issue 7: a memory copy, not the record serialised again): the same record sent in other bytes (spaces,
 * escapes, key order) gets another fingerprint, and is judged again, as a changed one.
 */
export function sourceFpOf(
  mapping: Pick<InboundMapping, 'version'>,
  raw: unknown,
  bytes?: Uint8Array,
): string {
  const { version } = mapping;
  let prefix = fpPrefixes.get(version);
  if (prefix === undefined)
    fpPrefixes.set(version, (prefix = Buffer.from(`${version}\n${CATALOGUE_VERSION}\n`)));
  if (bytes !== undefined) return hash('sha256', asReceived(prefix, bytes));
  sourceBytes.reset();
  const at = sourceBytes.write(raw, prefix);
  return at < 0
    ? hash('sha256', `${version}\n${CATALOGUE_VERSION}\n${JSON.stringify(raw)}`)
    : hash('sha256', sourceBytes.last(at));
}
