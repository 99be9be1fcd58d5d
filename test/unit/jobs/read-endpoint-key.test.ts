/**
 * words6 item 5c: the endpoint key of an entity's reads (`students:read`: its own Retry-After, issue 7 item 4) was
 * written in two places: src/jobs/endpoint-retry-after.ts `readEndpoint` and, by hand, the SQL of a sync run's wait
 * (src/store/sync-run-reads.ts `r.entity || ':read'`), and src/jobs/gate-view.ts told a read's key by
 * `endsWith(readEndpoint(''))`. One helper now, src/store/delivery-gates.ts (the store, under both the jobs and the
 * SQL): `readEndpoint`, `isReadEndpoint`, `readEndpointSql`. Found in the source: no other file spells the suffix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isReadEndpoint, readEndpoint, readEndpointSql } from '../../../src/store/delivery-gates.js';
import { WAITING_JOIN } from '../../../src/store/sync-run-reads.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const HELPER = 'src/store/delivery-gates.ts';
/** The suffix written out: `':read'`, `":read"`, or after a template's `${…}` (scopes such as `records:read` are not). */
const SUFFIX_WRITTEN = /['"`]:read['"`]|\}:read`|readEndpoint\(''\)/;

describe('the endpoint key of a read, one helper (words6 item 5c)', () => {
  it('reads students:read, and tells a read’s key from a write’s', () => {
    expect(readEndpoint('students')).toBe('students:read');
    expect(isReadEndpoint('students:read')).toBe(true);
    expect(isReadEndpoint('students:upsert')).toBe(false);
  });

  it('the SQL of a sync run’s wait takes its key from the helper', () => {
    expect(WAITING_JOIN).toContain(`g.endpoint_retry_after ->> ${readEndpointSql('r.entity')}`);
  });

  it('no other source file writes the suffix itself', () => {
    const files = readdirSync(join(ROOT, 'src'), { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile() && e.name.endsWith('.ts'))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)));
    const writing = files.filter(
      (f) => f !== HELPER && SUFFIX_WRITTEN.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(writing).toEqual([]);
  });
});
