import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../../src/errors.js';
import { pickLang, problem, ProblemSchema } from '../../../src/api/problem.js';

describe('pickLang: Vietnamese unless the client prefers English', () => {
  it.each([
    [undefined, 'vi'],
    ['', 'vi'],
    ['vi', 'vi'],
    ['vi-VN', 'vi'],
    ['en', 'en'],
    ['en-US', 'en'],
    ['EN-gb', 'en'],
    ['en-US,en;q=0.9,vi;q=0.8', 'en'],
    ['vi-VN,vi;q=0.9,en;q=0.8', 'vi'],
    ['en;q=0.5, vi;q=0.9', 'vi'],
    ['vi;q=0.1, en;q=0.2', 'en'],
    ['fr-FR', 'vi'],
    ['fr-FR, en;q=0.7', 'en'],
    ['*', 'vi'],
    ['en;q=garbage, vi;q=0.5', 'vi'],
    [';;;,,,', 'vi'],
  ] as const)('%j → %s', (header, lang) => {
    expect(pickLang(header)).toBe(lang);
  });

  it('copes with a very long header without throwing', () => {
    const header = Array.from({ length: 2000 }, (_, i) => `x${i};q=0.${i % 10}`).join(',') + ',en;q=0.01';
    expect(pickLang(header)).toBe('en');
  });
});

describe('problem(): RFC 9457 body, bilingual', () => {
  it('has type, title, status, code, correlationId and both messages', () => {
    const p = problem('ERR_FORBIDDEN_SCHOOL', {
      lang: 'vi',
      correlationId: 'req-1',
      instance: '/v1/schools/X/batches',
    });
    expect(p).toEqual({
      type: 'https://truc.hcm.edu.vn/problems/err-forbidden-school',
      title: ERRORS.ERR_FORBIDDEN_SCHOOL.vi,
      status: 403,
      code: 'ERR_FORBIDDEN_SCHOOL',
      correlationId: 'req-1',
      instance: '/v1/schools/X/batches',
      messages: { vi: ERRORS.ERR_FORBIDDEN_SCHOOL.vi, en: ERRORS.ERR_FORBIDDEN_SCHOOL.en },
    });
    expect(ProblemSchema.safeParse(p).success).toBe(true);
  });

  it('title follows the language; messages always carry both', () => {
    const en = problem('ERR_VALIDATION', { lang: 'en', correlationId: 'c' });
    const vi = problem('ERR_VALIDATION', { lang: 'vi', correlationId: 'c' });
    expect(en.title).toBe('The request is not valid.');
    expect(vi.title).toBe('Dữ liệu gửi lên không hợp lệ.');
    expect(en.messages).toEqual(vi.messages);
    expect(en.messages.vi).not.toBe(en.messages.en);
  });

  it('omits optional members that were not given', () => {
    const p = problem('ERR_INTERNAL', { lang: 'en', correlationId: 'c' });
    expect(Object.keys(p).sort()).toEqual(['code', 'correlationId', 'messages', 'status', 'title', 'type']);
  });

  it('status can be overridden; detail and errors are carried', () => {
    const p = problem('ERR_VALIDATION', {
      lang: 'en',
      correlationId: 'c',
      status: 413,
      detail: 'too many',
      errors: [{ pointer: '/body/records', rule: 'too_big', message: 'at most 1000' }],
    });
    expect(p.status).toBe(413);
    expect(p.detail).toBe('too many');
    expect(p.errors).toEqual([{ pointer: '/body/records', rule: 'too_big', message: 'at most 1000' }]);
    expect(ProblemSchema.safeParse(p).success).toBe(true);
  });

  it('caps errors at 100 and drops an empty list', () => {
    const many = Array.from({ length: 250 }, (_, i) => ({
      pointer: `/body/records/${i}`,
      rule: 'x',
      message: 'm',
    }));
    expect(problem('ERR_VALIDATION', { lang: 'vi', correlationId: 'c', errors: many }).errors).toHaveLength(
      100,
    );
    expect(problem('ERR_VALIDATION', { lang: 'vi', correlationId: 'c', errors: [] }).errors).toBeUndefined();
  });

  it('every error code yields a valid problem in both languages, with distinct non-empty messages', () => {
    for (const code of Object.keys(ERRORS) as Array<keyof typeof ERRORS>) {
      const p = problem(code, { lang: 'en', correlationId: 'c' });
      expect(ProblemSchema.safeParse(p).success, code).toBe(true);
      expect(p.status, code).toBe(ERRORS[code].status);
      expect(p.type, code).toMatch(/^https:\/\/truc\.hcm\.edu\.vn\/problems\/err-[a-z-]+$/);
      expect(p.messages.vi.length, code).toBeGreaterThan(0);
      expect(p.messages.en.length, code).toBeGreaterThan(0);
      expect(p.messages.vi, code).not.toBe(p.messages.en);
    }
  });
});
