/** `truc audit verify`: recomputes the audit hash chain. */
import { countEn, loadConfig } from '../../config.js';
import { both, defineCommand, runs } from '../kit.js';

const verify = () =>
  runs(
    defineCommand('verify', 'recompute the audit hash chain; names the first broken row (exit 1)'),
    async (_opts, _args, out) => {
      const config = loadConfig();
      const { auditVerify, withDb } = await import('../../ops.js');
      const result = await withDb(config, auditVerify);
      if (result.ok) {
        out.stdout(
          `${both(
            `nhật ký kiểm toán OK: ${result.rows} dòng, mã băm cuối ${result.head}`,
            `audit OK: ${countEn(result.rows, 'row')}, head ${result.head}`,
          )}\n`,
        );
        return 0;
      }
      out.stderr(
        `${both(
          `nhật ký kiểm toán BỊ HỎNG tại dòng ${result.brokenAt} (${result.reason}); ${result.rows} dòng trước đó đúng`,
          `audit BROKEN at row ${result.brokenAt} (${result.reason}); ${countEn(result.rows, 'row')} before it ${result.rows === 1 ? 'verifies' : 'verify'}`,
        )}\n`,
      );
      return 1;
    },
  );

export const auditCommand = () => defineCommand('audit', 'the hash-chained audit log').addCommand(verify());
