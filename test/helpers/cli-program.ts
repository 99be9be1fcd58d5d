/**
 * The `truc` command table run in process (unit cli/program*.test.ts): everything a command could start
 * (dependencies, the database, the demo, a simulator) mocked to record that it ran and throw, and `truc`,
 * which runs the program on argv and captures its exit code, stdout and stderr. Import it before the program.
 */
import { vi } from 'vitest';

// Everything a command could start; none of it may run for --help.
const started = vi.hoisted(() => [] as string[]);
vi.mock('../../src/deps.js', () => ({
  createDeps: vi.fn(() => {
    started.push('createDeps');
    throw new Error('createDeps must not run');
  }),
}));
vi.mock('../../src/ops.js', () => ({
  withDb: vi.fn(() => {
    started.push('withDb');
    throw new Error('withDb must not run');
  }),
  runMigrate: vi.fn(() => {
    started.push('runMigrate');
    throw new Error('runMigrate must not run');
  }),
  addClient: vi.fn(),
  operatorClock: vi.fn(() => new Date(0)),
  setClientDisabled: vi.fn(),
  auditVerify: vi.fn(),
}));
vi.mock('../../src/demo/index.js', () => ({
  runDemo: vi.fn(() => {
    started.push('runDemo');
    throw new Error('runDemo must not run');
  }),
}));
vi.mock('../../src/simulators/index.js', () => ({
  STANDALONE_DEFAULTS: { seed: 1, schools: 1, studentsPerSchool: 1, staffPerSchool: 1 },
  runSimulator: vi.fn(() => {
    started.push('runSimulator');
    throw new Error('runSimulator must not run');
  }),
}));

const { runCli } = await import('../../src/cli/program.js');

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

export async function truc(...argv: string[]): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}
export { started };
