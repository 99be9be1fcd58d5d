/**
 * walk9 W9-2, fix12: a record's unknown keys are one finding naming them (fix12: one per key gave up to 21), at the
 * key's own pointer (`/foo`, the body's `/records/N/foo`) when there is one key, else at the record; a key not echoed
 * (shaped like a personal ID) is counted, unnamed; pointers are escaped per RFC 6901; the mapping's findings point the
 * same way (src/canonical/keys.ts issuePlace, the one answer).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { issuePlace, issuePointer } from '../../../src/canonical/keys.js';
import { zodFindings } from '../../../src/mappings/canonical/index.js';
import { wireIssues } from '../../../src/adapters/wire.js';
import { CLEAN, runInput } from './helpers.js';

describe('W9-2: an unknown field is told at its own pointer', () => {
  it('a canonical record: one DUNG_SCHEMA finding naming its unknown keys, the hidden one counted', async () => {
    const raw = { ...CLEAN.students, nickName: 'Bé Na', shoeSize: 30, '079201001234': 'x' };
    const r = await runInput('students', [raw]);
    const schema = r.findings.filter((f) => f.rule === 'DUNG_SCHEMA');
    expect(schema.map((f) => f.pointer)).toEqual(['']);
    expect(schema[0]!.detail?.en).toMatch(/ \(nickName, shoeSize, \+1\)$/);
    expect(JSON.stringify(schema)).not.toContain('079201001234');
    expect(r.rejected.has(0)).toBe(true);
  });

  it('the mapping points the same way; a pointer token is escaped (~0, ~1)', () => {
    const wire = z.object({ TenHS: z.string() }).strict();
    const parsed = wire.safeParse({ TenHS: 'An', GhiChu: 'x', Lop: '1A' });
    expect(parsed.success).toBe(false);
    expect(zodFindings(parsed.error!, 'WIRE').map((f) => f.pointer)).toEqual(['']);
    const one = wire.safeParse({ TenHS: 'An', GhiChu: 'x' });
    expect(zodFindings(one.error!, 'WIRE').map((f) => f.pointer)).toEqual(['/GhiChu']);
    const nested = { code: 'unrecognized_keys', keys: ['b'], path: ['a/b', 'c~d'], message: '' } as const;
    expect(issuePointer(nested as never)).toBe('/a~1b/c~0d');
    expect(issuePlace(nested as never)).toEqual({ pointer: '/a~1b/c~0d/b', note: ' (b)' });
  });
});

describe("a wire body's root is the pointer '' (RFC 6901), not '/'", () => {
  it("wireIssues: a body that is not an object points at '', a field at /<token>, escaped", () => {
    const root = z.object({ a: z.string() }).safeParse(7);
    expect(wireIssues(root.error!, 5).map((e) => e.pointer)).toEqual(['']);
    const field = z.object({ 'a/b': z.string() }).safeParse({ 'a/b': 1 });
    expect(wireIssues(field.error!, 5)).toMatchObject([
      { pointer: '/a~1b', message: 'invalid_type at /a~1b' },
    ]);
  });
});
