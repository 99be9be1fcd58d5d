/**
 * Resources that live as long as a suite: started once before its tests, closed after them.
 */
import { afterAll, beforeAll } from 'vitest';

/**
 * What `start` gives, for the enclosing suite (or file): started by a `beforeAll` hook (within
 * `timeoutMs`, else vitest's hook timeout), closed by an `afterAll` one (when it started). The object
 * returned is filled in by the hook, so tests and later hooks use it as is; call this at the top of a
 * `describe` or file.
 */
export function useForSuite<T extends object>(
  start: () => Promise<T>,
  close: (started: T) => unknown,
  timeoutMs?: number,
): T {
  const resource = {} as T;
  let started = false;
  beforeAll(async () => {
    Object.assign(resource, await start());
    started = true;
  }, timeoutMs);
  afterAll(async () => {
    if (started) await close(resource);
  });
  return resource;
}
