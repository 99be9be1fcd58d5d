import { describe, expect, it } from 'vitest';
import { readRunnerArgs, unknownNames } from '../../bench/lib/runner-args.js';

describe('the bench runner command line', () => {
  it('--help and -h ask for the usage, not a run', () => {
    expect(readRunnerArgs(['--help'])).toEqual({ kind: 'help' });
    expect(readRunnerArgs(['-h', 'ingest'])).toEqual({ kind: 'help' });
  });

  it('--list asks for the names only', () => {
    expect(readRunnerArgs(['--list'])).toEqual({ kind: 'list' });
  });

  it('names are the benches to run; none means all', () => {
    expect(readRunnerArgs(['ingest', 'sync'])).toEqual({ kind: 'run', names: ['ingest', 'sync'] });
    expect(readRunnerArgs([])).toEqual({ kind: 'run', names: [] });
  });

  it('an unknown option is an error, never ignored into a run of every bench', () => {
    const ask = readRunnerArgs(['--quick', 'ingest']);
    expect(ask.kind).toBe('error');
    expect(ask.kind === 'error' && ask.message).toContain('--quick');
  });

  it('a name no bench has is reported', () => {
    expect(unknownNames(['ingest', 'ingets'], ['ingest', 'sync'])).toEqual(['ingets']);
    expect(unknownNames(['sync'], ['ingest', 'sync'])).toEqual([]);
  });
});
