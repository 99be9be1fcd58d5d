/**
 * Read-only operations routes for the dashboard and for scripts (issue 11): an overview (systems,
 * queues, outbox, dead letters by code, PCGD-XMC deadlines: ./ops/overview.ts), the schools table with a drill-down
 * (./ops/schools.ts) and sync runs (./ops/sync-runs.ts); the audit log and its chain verification: ./audit.ts. Codes,
 * counts and times only: no personal data leaves here.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Config } from '../../config.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Db } from '../../store/db.js';
import { problems } from '../problem.js';
import { composeOverview, Overview } from './ops/overview.js';
import { schoolRoutes } from './ops/schools.js';
import { syncRunRoutes } from './ops/sync-runs.js';

export interface OpsRouteOptions {
  db: Db;
  metrics: Metrics;
  /** Which push targets are configured (the overview's removed targets). */
  config: Config;
  now?: () => Date;
}

type OpsApp = Parameters<FastifyPluginAsyncZod<OpsRouteOptions>>[0];

/** The operations overview: systems, queues, dead letters, the outbox and PCGD deadlines. */
function overviewRoute(app: OpsApp, opts: OpsRouteOptions): void {
  const now = opts.now ?? (() => new Date());

  app.get(
    '/v1/ops/overview',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['operations'],
        summary: 'Tổng quan vận hành / Operations overview',
        description:
          'Hệ thống ngoài, hàng đợi, outbox, việc lỗi theo mã, hạn PCGD-XMC. / External systems, queues, outbox, dead letters by code, PCGD-XMC deadlines.',
        response: { 200: Overview, ...problems(400, 401, 403) },
      },
    },
    async function overview() {
      return composeOverview(opts, now());
    },
  );
}

const opsRoutes: FastifyPluginAsyncZod<OpsRouteOptions> = async function opsRoutes(app, opts) {
  overviewRoute(app, opts);
  schoolRoutes(app, opts);
  syncRunRoutes(app, opts);
};
export default opsRoutes;
