/**
 * withSafeWords (fix31f): the error a queue keeps says what failed without the values, and is still the
 * same error to what classifies it (class, name, code, status, Retry-After, cause).
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../../src/errors.js';
import { isPermanent, PermanentJobError } from '../../../src/jobs/define.js';
import { withSafeWords } from '../../../src/observability/error-words.js';

const NAME = 'Nguyễn Thị Hoa';
const pgError = () =>
  Object.assign(new Error(`invalid input syntax for type date: "${NAME}"`), {
    severity: 'ERROR',
    code: '22007',
  });

describe('withSafeWords', () => {
  it("blanks a PostgreSQL error's value in its message and stack, keeping the error itself", () => {
    const err = pgError();
    const safe = withSafeWords(err) as Error;
    expect(safe).toBe(err);
    expect(safe.message).toBe('invalid input syntax for type date: "…"');
    expect(safe.stack).toMatch(/^Error: invalid input syntax for type date: "…"\n/);
    expect(safe).toMatchObject({ code: '22007', severity: 'ERROR' });
  });

  it('keeps what classifies a wrapper: its class, code, status and Retry-After', () => {
    const permanent = withSafeWords(
      new PermanentJobError('ERR_INTERNAL', pgError().message, { cause: pgError() }),
    );
    expect(permanent).toBeInstanceOf(UnrecoverableError);
    expect(permanent).toMatchObject({
      code: 'ERR_INTERNAL',
      message: 'ERR_INTERNAL: invalid input syntax for type date: "…"',
    });
    expect(isPermanent(permanent)).toBe(true);
    const limited = withSafeWords(
      new AppError('ERR_ADAPTER_RATE_LIMITED', undefined, { cause: pgError(), retryAfterSeconds: 30 }),
    );
    expect(limited).toMatchObject({ code: 'ERR_ADAPTER_RATE_LIMITED', retryAfterSeconds: 30 });
    expect(JSON.stringify([(permanent as Error).stack, (limited as Error).stack])).not.toContain('Nguy');
  });

  it("a zod error's words without its input", () => {
    const zodErr = z.object({ who: z.number() }).safeParse({ who: NAME }, { reportInput: true }).error!;
    expect(zodErr.message).toContain(NAME);
    const safe = withSafeWords(zodErr) as Error;
    expect(safe.name).toBe('ZodError');
    expect(`${safe.message}${safe.stack}`).not.toContain('Nguy');
    expect(safe.message).toContain('invalid_type');
  });

  it('an error whose message cannot be replaced is wrapped: same name, safe words, the error as cause', () => {
    const err = pgError();
    const raw = err.message;
    Object.defineProperty(err, 'message', { get: () => raw, configurable: false });
    const safe = withSafeWords(err) as Error;
    expect(safe).not.toBe(err);
    expect(safe).toMatchObject({
      name: 'Error',
      message: 'invalid input syntax for type date: "…"',
      cause: err,
    });
    expect(safe.stack).not.toContain('Nguy');
  });

  it('an error without values is the same error, untouched', () => {
    const err = new AppError('ERR_INTERNAL', 'could not write');
    expect(withSafeWords(err)).toBe(err);
    expect(withSafeWords('text')).toBe('text');
  });
});
