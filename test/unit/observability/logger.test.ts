import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';
import { errorKind } from '../../../src/observability/outage.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger('info', stream), text: () => lines.join('') };
}

describe('logger redaction', () => {
  it('never writes credentials or personal fields, at any depth', () => {
    const { logger, text } = capture();
    logger.info(
      {
        authorization: 'Bearer secret-token',
        clientSecret: 's3cr3t',
        record: {
          personalId: '079219001234',
          fullName: 'Nguyễn Văn An',
          birthDate: '2019-03-04',
          phone: '0901234567',
        },
        nested: { deeper: { ethnicityCode: '05', disability: 'visual' } },
        count: 3,
      },
      'ingest',
    );
    const out = text();
    for (const secret of [
      'secret-token',
      's3cr3t',
      '079219001234',
      'Nguyễn',
      '2019-03-04',
      '0901234567',
      '"05"',
      'visual',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('"count":3');
  });

  it('drops the offending values PostgreSQL puts in error details', () => {
    const { logger, text } = capture();
    const err = Object.assign(new Error('duplicate key value violates unique constraint'), {
      detail: 'Key (personal_id)=(079219001234) already exists.',
      code: '23505',
    });
    logger.error({ err }, 'failed');
    const out = text();
    expect(out).toContain('23505');
    expect(out).not.toContain('079219001234');
  });

  it("writes an error's summary (./outage.ts errorKind) as it is, a PostgreSQL error's values blanked", () => {
    const { logger, text } = capture();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const server = Object.assign(new Error('invalid input syntax for type date: "2019-03-04"'), {
      code: '22007',
      severity: 'ERROR',
    });
    logger.warn({ err: errorKind(refused) }, 'down');
    logger.warn({ err: errorKind(server) }, 'failed');
    const [down, failed] = text()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { err: unknown });
    expect(down!.err).toEqual({ type: 'Error', code: 'ECONNREFUSED', message: refused.message });
    expect(failed!.err).toEqual({
      type: 'Error',
      code: '22007',
      message: 'invalid input syntax for type date: "…"',
    });
  });
});
