/**
 * Whether process `pid` runs: the embedded database's lock owner (./embedded.ts), and the tests' port claims
 * (test/helpers/proc.ts). One of another user's, which this one may not signal (EPERM), runs too (review12: it was
 * taken for a dead owner's, and its database opened a second time).
 */
export function pidRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
