/**
 * The methods each address of the API takes, gathered as its routes are added (fastify's `onRoute`), so that a
 * request whose path names a route but not by its method is answered 405 `ERR_METHOD_NOT_ALLOWED` with `Allow`
 * (RFC 9110 §15.5.6), not 404 "no such route" (walk7 W7-1: `PATCH /v1/webhooks/{id}` was told the path did not exist,
 * or, with a body, that the request takes none).
 */
import type { FastifyInstance } from 'fastify';

/** The methods an address takes: `allowed(path)`, empty when no route has that path. */
export interface RouteMethods {
  allowed(path: string): string[];
}

interface Pattern {
  re: RegExp;
  methods: Set<string>;
}

/**
 * A route's URL as a regular expression of a path: `:name` (a parameter, also inside a segment) one or more
 * characters but `/`, `*` anything; every other character as itself.
 */
function patternOf(url: string): RegExp {
  const escaped = url.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const source = escaped.replace(/:[A-Za-z0-9_]+/g, '[^/]+').replace(/\*/g, '.*');
  return new RegExp(`^${source}$`);
}

/** Gathers the routes `app` adds from now on (add it before the routes); one per app. */
export function gatherRouteMethods(app: FastifyInstance): RouteMethods {
  const byUrl = new Map<string, Pattern>();
  app.addHook('onRoute', function noteMethods(route) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const known = byUrl.get(route.url) ?? { re: patternOf(route.url), methods: new Set<string>() };
    for (const m of methods) known.methods.add(m.toUpperCase());
    byUrl.set(route.url, known);
  });
  return {
    allowed(path) {
      const found = new Set<string>();
      for (const { re, methods } of byUrl.values()) if (re.test(path)) for (const m of methods) found.add(m);
      return [...found].sort();
    },
  };
}
