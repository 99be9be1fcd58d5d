/** `truc sim <system>`: one simulator standalone, for vendors and testers. */
import type { Faults } from '../../simulators/sim-faults.js';
import { both, defineCommand, int, runs, startProgress, UsageError, type CliOutput } from '../kit.js';
import { untilStopped } from '../stop-signals.js';

interface SimOptions {
  port?: number;
  seed?: number;
  schools?: number;
  studentsPerSchool?: number;
  staffPerSchool?: number;
  faults?: string;
  persons?: string;
}

/** `--faults '{"latencyMs":200}'`, checked against the sim kit's fault schema. */
async function parseFaults(text: string): Promise<Faults> {
  const { FAULTS_SCHEMA } = await import('../../simulators/sim-faults.js');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const example = '\'{"latencyMs":200,"errorRate":0.1}\'';
    throw new UsageError(
      both(`--faults: một đối tượng JSON, ví dụ ${example}`, `--faults: a JSON object, e.g. ${example}`),
    );
  }
  const parsed = FAULTS_SCHEMA.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue?.path.length ? ` ${issue.path.join('.')}` : '';
    throw new UsageError(
      both(`--faults${at}: không hợp lệ`, `--faults${at}: ${issue?.message ?? 'invalid'}`),
    );
  }
  return parsed.data as Faults;
}

/**
 * Shows the requests a running simulator has served and their rate on stderr (a redrawn line on a
 * terminal, a plain line every 5 s while requests come in otherwise), so a tester sees a city-scale
 * pull go through it. Returns what stops it.
 */
function watchRequests(system: string, out: CliOutput) {
  return (requests: () => number) => {
    const progress = startProgress(
      out,
      { vi: `trình giả lập ${system}`, en: `truc sim ${system}` },
      { unit: { vi: 'yêu cầu đã phục vụ', en: 'requests served', enOne: 'request served' } },
    );
    let last = 0;
    const timer = setInterval(() => {
      const n = requests();
      if (n !== last) progress.update((last = n));
    }, 500);
    return () => {
      clearInterval(timer);
      progress.update(requests());
      progress.stop();
    };
  };
}

export const simCommand = () =>
  runs<SimOptions>(
    defineCommand('sim', 'one simulator standalone, until SIGTERM/SIGINT')
      .argument('<system>', 'hcm-csdl, moet-pcgd, smas or vnedu')
      .option('--port <port>', 'port to listen on (default: any free port)', int(0, 65535))
      .option('--seed <seed>', 'seed of the synthetic population', int(0, 2 ** 31))
      .option('--schools <n>', 'schools in the population', int(1, 10_000))
      .option('--students-per-school <n>', 'students per school', int(1, 5_000))
      .option('--staff-per-school <n>', 'staff per school', int(1, 1_000))
      .option('--faults <json>', 'faults to inject, as JSON (see POST /__sim/faults)')
      .option(
        '--persons <file>',
        'moet-pcgd: serve the survey records of this JSON-lines file for the communes it contains',
      )
      .addHelpText(
        'after',
        `\n${both(
          'Quy mô thành phố: --schools 2500 --students-per-school 680 --staff-per-school 40 (truyền dần, không\n' +
            'bao giờ giữ cả trong bộ nhớ).',
          '\nCity scale: --schools 2500 --students-per-school 680 --staff-per-school 40 (streamed, never held in memory).',
        )}`,
      ),
    async (o, [system], out) => {
      const { runSimulator, STANDALONE_DEFAULTS: d } = await import('../../simulators/index.js');
      const faults = o.faults !== undefined ? await parseFaults(o.faults) : undefined;
      if (o.persons !== undefined && system !== 'moet-pcgd')
        throw new UsageError(both('--persons: chỉ dùng cho moet-pcgd', '--persons: only for moet-pcgd'));
      return runSimulator(
        system ?? '',
        {
          port: o.port ?? 0,
          seed: o.seed ?? d.seed,
          schools: o.schools ?? d.schools,
          studentsPerSchool: o.studentsPerSchool ?? d.studentsPerSchool,
          staffPerSchool: o.staffPerSchool ?? d.staffPerSchool,
          ...(faults ? { faults } : {}),
          ...(o.persons !== undefined ? { persons: o.persons } : {}),
        },
        { until: untilStopped, watch: watchRequests(system ?? '', out) },
      );
    },
  );
