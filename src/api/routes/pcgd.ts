/**
 * PCGD-XMC reports (issue 10): ask for a unit's figures to be computed, read them with their
 * validation findings and unverified settings, walk the lifecycle (check, approve, submit, reopen),
 * see the persons behind a figure and the enrolment mismatches per commune, download the signed
 * evidence and the forms, watch the deadlines, and pull a commune's survey persons (fix30a). Who may do what on which unit is decided by the
 * service (src/reporting/pcgd/access.ts); the token's scope only opens the door (`pcgd:read`,
 * `pcgd:write`). Heavy work is queued: computing and delivering are jobs.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pcgdContext, type PcgdRouteOptions } from './pcgd/context.js';
import { evidenceRoutes } from './pcgd/evidence.js';
import { lifecycleRoutes } from './pcgd/lifecycle.js';
import { listRoute } from './pcgd/list.js';
import { personsPullRoutes } from './pcgd/persons-pull.js';

const pcgdRoutes: FastifyPluginAsyncZod<PcgdRouteOptions> = async function pcgdRoutes(app, opts) {
  const ctx = pcgdContext(opts);
  lifecycleRoutes(app, opts, ctx);
  listRoute(app, opts, ctx);
  evidenceRoutes(app, opts, ctx);
  personsPullRoutes(app, opts, ctx);
};
export default pcgdRoutes;
