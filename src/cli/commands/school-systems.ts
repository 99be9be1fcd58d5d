/** `truc school-systems list | set | clear`: which school-management system serves each school (audited). */
import { SCHOOL_SYSTEMS } from '../../canonical/systems.js';
import { loadConfig } from '../../config.js';
import { asOption, both, choice, defineCommand, operatorActor, runs, UsageError } from '../kit.js';

const listAll = () =>
  runs<{ system?: string }>(
    defineCommand('list', 'schools and the system that serves each, as JSON lines').option(
      '--system <name>',
      `only the schools this system serves (${SCHOOL_SYSTEMS.join(', ')})`,
      // fixes26a: a typo was an empty list, read as "no school"; GET /v1/admin/school-systems refuses it too.
      choice(SCHOOL_SYSTEMS),
    ),
    async (o, _args, out) => {
      const config = loadConfig();
      const { listSchoolSystems, withDb } = await import('../../ops.js');
      for (const r of await withDb(config, (db) => listSchoolSystems(db, o.system)))
        out.stdout(`${JSON.stringify(r)}\n`);
      return 0;
    },
  );

const set = () =>
  runs<{ system?: string; as?: string }>(
    defineCommand('set', "say which system serves a school (kept until changed; pulls don't overwrite it)")
      .argument('<schoolCode>', 'the code of a school truc holds')
      .option('--system <name>', 'smas | vnedu (required)')
      .addOption(asOption()),
    async (o, [school], out) => {
      if (!o.system)
        throw new UsageError(both('school-systems set cần --system', 'school-systems set needs --system'));
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { setSchoolSystem, withDb } = await import('../../ops.js');
      await withDb(config, (db) => setSchoolSystem(db, school!, o.system!, actor));
      out.stdout(
        `${both(`trường ${school} dùng hệ thống ${o.system}`, `school ${school} served by ${o.system}`)}\n`,
      );
      return 0;
    },
  );

const clear = () =>
  runs<{ as?: string }>(
    defineCommand('clear', 'forget which system serves a school (pulls and batches may learn it again)')
      .argument('<schoolCode>', 'the code of a school truc holds')
      .addOption(asOption()),
    async (o, [school], out) => {
      const actor = operatorActor(o.as);
      const config = loadConfig();
      const { setSchoolSystem, withDb } = await import('../../ops.js');
      // As DELETE /v1/admin/school-systems/{school} answers: ERR_NOT_FOUND (exit 1), the CLI's rule for an unknown id.
      if (!(await withDb(config, (db) => setSchoolSystem(db, school!, null, actor)))) {
        const { AppError } = await import('../../errors.js');
        throw new AppError(
          'ERR_NOT_FOUND',
          both(`chưa biết hệ thống nào phục vụ trường ${school}`, `no system known for school ${school}`),
        );
      }
      out.stdout(`${both(`trường ${school}: đã xoá hệ thống`, `school ${school}: system cleared`)}\n`);
      return 0;
    },
  );

export const schoolSystemsCommand = () =>
  defineCommand('school-systems', 'which school-management system serves each school: list, set, clear')
    .addCommand(listAll())
    .addCommand(set())
    .addCommand(clear());
