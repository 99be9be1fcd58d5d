/**
 * A queue worker's error that says its connection is gone is an outage's (one warn per process: src/jobs/queues.ts
 * `isConnectionError`), not a `worker error on <queue>` at error level. chaos: under pg_terminate_backend, with queues
 * in the database, BullMQ's LISTEN connection used after its end said "Client has encountered a connection error and
 * is not queryable" (pg's words), logged at error level each time.
 */
import { describe, expect, it } from 'vitest';
import { isConnectionError } from '../../../src/jobs/queues.js';

describe('isConnectionError', () => {
  it.each([
    'Client has encountered a connection error and is not queryable',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Connection is closed.',
  ])('a connection gone: %s', (message) => {
    expect(isConnectionError(new Error(message))).toBe(true);
  });

  it('by code: a session ended (57P01), refused (ECONNREFUSED)', () => {
    expect(isConnectionError(Object.assign(new Error('terminating connection'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isConnectionError(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
  });

  it('not a statement’s error, nor anything else', () => {
    expect(isConnectionError(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isConnectionError(new Error('job stalled more than allowable limit'))).toBe(false);
    expect(isConnectionError('Connection terminated unexpectedly')).toBe(false);
  });
});
