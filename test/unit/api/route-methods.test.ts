/**
 * A 405's methods agree with what the router matches (fix8 item 4): a path the route itself takes under fastify's
 * router options (a trailing slash, another letter case, doubled slashes) names the route's methods; one it does not
 * take names none (404), whatever the settings; a percent-encoded path as the router decodes it.
 */
import Fastify, { type FastifyServerOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { gatherRouteMethods } from '../../../src/api/route-methods.js';

const PATHS = [
  '/v1/webhooks',
  '/v1/webhooks/',
  '/V1/Webhooks',
  '/v1//webhooks',
  '/v1/webhooks/7/',
  '/V1/WEBHOOKS/7',
  // percent-encoded: the router decodes a path before matching it, but an encoded reserved character stays one
  '/v1/webhook%73',
  '/v1/webhook%73/7',
  '/v1/%77ebhooks/%37',
  '/v1/webhooks%2F7',
  '/v1/webhooks%3F',
  '/v1/webhooks/7%2F',
  '/v1/webhooks%25',
];

/** Each path: whether GET is routed (the router's own answer) and the methods a 405 would name. */
async function judged(opts: FastifyServerOptions) {
  const app = Fastify(opts);
  const routes = gatherRouteMethods(app);
  app.get('/v1/webhooks', async () => 'list');
  app.post('/v1/webhooks', async () => 'made');
  app.get('/v1/webhooks/:id', async () => 'one');
  await app.ready();
  const out: Record<string, { routed: boolean; allowed: string[] }> = {};
  for (const path of PATHS) {
    const r = await app.inject({ method: 'GET', url: path });
    out[path] = { routed: r.statusCode === 200, allowed: routes.allowed(path) };
  }
  await app.close();
  return out;
}

describe('the methods of an address (405) as the router matches it', () => {
  it.each([
    ['the defaults (truc’s)', {}],
    ['ignoreTrailingSlash', { routerOptions: { ignoreTrailingSlash: true } }],
    ['case-insensitive', { routerOptions: { caseSensitive: false } }],
    [
      'both, and doubled slashes',
      { routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, ignoreDuplicateSlashes: true } },
    ],
  ] as [string, FastifyServerOptions][])(
    '%s: a path has methods exactly when the route takes it',
    async (_name, opts) => {
      const seen = await judged(opts);
      for (const [path, { routed, allowed }] of Object.entries(seen)) {
        expect({ path, methods: allowed.length > 0 }).toEqual({ path, methods: routed });
      }
      if (opts.routerOptions?.ignoreTrailingSlash)
        expect(seen['/v1/webhooks/']!.allowed).toEqual(['GET', 'HEAD', 'POST']);
    },
  );
});
