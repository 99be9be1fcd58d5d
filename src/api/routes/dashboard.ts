/**
 * GET /dashboard: the operations dashboard for the Sở's IT staff (issue 11), a static page that signs
 * in with an admin or auditor client and reads the JSON API. `/` leads there. Strict CSP: the page
 * loads only its own script, stylesheet and icon.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { loadDashboardAssets, type DashboardAssets } from '../dashboard-assets.js';

const TYPES: Record<keyof DashboardAssets, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const dashboardRoutes: FastifyPluginAsync = async function dashboardRoutes(app) {
  let assets: Promise<DashboardAssets> | undefined;
  const send = async (reply: FastifyReply, file: keyof DashboardAssets): Promise<FastifyReply> => {
    assets ??= loadDashboardAssets().catch((err: unknown) => {
      assets = undefined;
      throw err;
    });
    const body = (await assets)[file];
    return reply
      .type(TYPES[file])
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .send(body);
  };
  const hidden = { schema: { hide: true } };
  app.get('/', hidden, async function root(_request, reply) {
    return reply.redirect('/dashboard', 302);
  });
  app.get('/dashboard', hidden, async function page(_request, reply) {
    return send(reply, 'index.html');
  });
  app.get('/dashboard/', hidden, async function pageSlash(_request, reply) {
    return send(reply, 'index.html');
  });
  app.get('/dashboard/app.js', hidden, async function script(_request, reply) {
    return send(reply, 'app.js');
  });
  app.get('/dashboard/app.css', hidden, async function style(_request, reply) {
    return send(reply, 'app.css');
  });
  app.get('/dashboard/favicon.svg', hidden, async function icon(_request, reply) {
    return send(reply, 'favicon.svg');
  });
};
export default dashboardRoutes;
