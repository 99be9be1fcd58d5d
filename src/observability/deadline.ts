/** Resolves after `ms` milliseconds: the one way truc's code waits (tidy: each module had its own). */
export const sleep = (ms: number): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A check bounded in time (the readiness probes of every role): what went wrong, if anything,
 * within `ms`.
 */
export async function failureWithin(fn: () => Promise<unknown>, ms: number): Promise<Error | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    clearTimeout(timer);
  }
}
