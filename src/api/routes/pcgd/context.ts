/** What every PCGD-XMC route shares: the service's deps, the caller as a PCGD actor, a report checked for access. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../../config.js';
import { AppError, both } from '../../../errors.js';
import { mayAct, requireUnit, type PcgdActor } from '../../../reporting/pcgd/access.js';
import { reportDeadline } from '../../../reporting/pcgd/deadlines.js';
import { unitPullState } from '../../../reporting/pcgd/persons-pulled.js';
import { reportView, sourcesNow, type PcgdDeps } from '../../../reporting/pcgd/service.js';
import type { Db } from '../../../store/db.js';
import { createPcgdRepo, type ReportRow } from '../../../store/pcgd.js';
import { principalOf } from '../../plugins/auth.js';

export interface PcgdRouteOptions {
  db: Db;
  config: Config;
  now: () => Date;
}
export type PcgdApp = Parameters<FastifyPluginAsyncZod<PcgdRouteOptions>>[0];

export function pcgdContext(opts: PcgdRouteOptions) {
  const { now } = opts;
  const deps: PcgdDeps = { db: opts.db, pcgd: opts.config.pcgd, dataDir: opts.config.database.dataDir, now };
  const actorOf = (request: Parameters<typeof principalOf>[0]): PcgdActor => {
    const p = principalOf(request);
    return { clientId: p.clientId, role: p.role, units: p.units };
  };
  const statusUrl = (id: number) => `/v1/pcgd/reports/${id}`;

  /**
   * The report, after checking the caller may do `action` on its unit. A report of a unit the caller may not even
   * read is answered as an id that names nothing (404, no unit named: review32b F3): report ids are sequential, and a
   * 403 naming the unit let an officer of any commune walk them to learn which exist and whose each is. A caller who
   * may read the report but not do `action` (a commune's officer asking to reopen) keeps the refusal that names it.
   */
  async function reportFor(
    actor: PcgdActor,
    reportId: number,
    action: Parameters<typeof requireUnit>[1],
  ): Promise<ReportRow> {
    const row = await createPcgdRepo(opts.db).get(reportId);
    if (!row || !mayAct(actor, 'read', row.unit_code)) throw new AppError('ERR_NOT_FOUND');
    requireUnit(actor, action, row.unit_code);
    return row;
  }
  async function evidenceOf(row: ReportRow) {
    const ev = await createPcgdRepo(opts.db).evidence(row.id);
    if (!ev)
      throw new AppError(
        'ERR_PCGD_INVALID_TRANSITION',
        both(
          `báo cáo ${row.id} đang ${row.status}: chưa có gói đã ký`,
          `report ${row.id} is ${row.status}: no signed package yet`,
        ),
      );
    return ev;
  }
  /**
   * A report as the API shows it: its view (who approved by the name its signed package carries, fix33c; a province's
   * commune versions replaced since, fix35e), when its commune's persons were last pulled (fix30a), and its deadline
   * and whether it is late (walk9 W9-4).
   */
  async function viewOf(row: ReportRow) {
    const name =
      row.approved_by === null ? undefined : await createPcgdRepo(opts.db).signedApproverName(row.id);
    const sources = await sourcesNow(opts.db, row);
    return {
      ...reportView(row, name, sources),
      ...(await unitPullState(opts.db, row.unit_code)),
      ...(await reportDeadline(opts.db, opts.config.pcgd.calendar, row, now())),
    };
  }
  return { deps, now, actorOf, statusUrl, reportFor, evidenceOf, viewOf };
}
export type PcgdContext = ReturnType<typeof pcgdContext>;
