/**
 * review9's leftovers: the place of a malformed body's first error is found by a reader that stops there (read on, a
 * 5 MB body of commas cost ~1 s of the event loop), and a batch's findings are copied without a spread (past ~125 k
 * a spread's arguments overflow the stack).
 */
import jsonc from 'jsonc-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { whereJsonStopped } from '../../../src/api/json-where.js';
import { BatchSink, type Finding } from '../../../src/quality/index.js';
import { ctxOf } from '../quality/helpers.js';

afterEach(() => vi.restoreAllMocks());

describe('the first error of a malformed body', () => {
  it('is told at its place, and the reader is not asked past it', () => {
    const visit = jsonc.visit.bind(jsonc);
    let errors = 0;
    vi.spyOn(jsonc, 'visit').mockImplementation((text, visitor, options) => {
      const counted: jsonc.JSONVisitor = {
        ...visitor,
        onError: (...args) => {
          errors++;
          visitor.onError?.(...args);
        },
      };
      visit(text, counted, options);
    });
    const body = `[1${',,'.repeat(50_000)}]`;
    let message = '';
    try {
      JSON.parse(body);
    } catch (err) {
      message = (err as Error).message;
    }
    const said = whereJsonStopped(body, message);
    expect(said).toMatch(/dòng 1, cột 4.*line 1, column 4/s);
    expect(errors).toBe(1);
  });
});

describe('a batch sink’s copy', () => {
  it('holds every finding of a batch with 200,000 of them', () => {
    const sink = new BatchSink(ctxOf('students'), []);
    const finding = { rule: 'X' } as unknown as Finding;
    for (let i = 0; i < 200_000; i++) sink.findings.push(finding);
    expect(sink.fork().findings).toHaveLength(200_000);
  });
});
