/**
 * The methods each address of the API takes, gathered as its routes are added (fastify's `onRoute`), so that a
 * request whose path names a route but not by its method is answered 405 `ERR_METHOD_NOT_ALLOWED` with `Allow`
 * (RFC 9110 §15.5.6), not 404 "no such route" (walk7 W7-1: `PATCH /v1/webhooks/{id}` was told the path did not exist,
 * or, with a body, that the request takes none).
 */
import type { FastifyInstance } from 'fastify';

/** The methods an address takes: `allowed(path)`, empty when no route has that path; `all()`, any route's. */
export interface RouteMethods {
  allowed(path: string): string[];
  all(): string[];
}

interface Pattern {
  re: RegExp;
  methods: Set<string>;
}

/** How the router matches a path (fastify's router options): a 405 matches a path as the route itself would (fix8). */
interface Matching {
  ignoreTrailingSlash: boolean;
  ignoreDuplicateSlashes: boolean;
  caseSensitive: boolean;
}

function matchingOf(app: FastifyInstance): Matching {
  const c = app.initialConfig as FastifyInstance['initialConfig'] & { routerOptions?: Partial<Matching> };
  const o = c.routerOptions ?? {};
  return {
    ignoreTrailingSlash: o.ignoreTrailingSlash ?? c.ignoreTrailingSlash ?? false,
    ignoreDuplicateSlashes: o.ignoreDuplicateSlashes ?? c.ignoreDuplicateSlashes ?? false,
    caseSensitive: o.caseSensitive ?? c.caseSensitive ?? true,
  };
}

/**
 * A request's path decoded as the router decodes it before matching (find-my-way's `safeDecodeURI`): `decodeURI`,
 * which leaves an encoded reserved character (`%2F`, `%3F`, …) as it is, and `%25` kept too (`/v1/webhook%73/7`
 * reaches `/v1/webhooks/:id`); a path it cannot decode as it came (the router refused it before: 400).
 */
function decodedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURI(path.replace(/%25/g, '%2525'));
  } catch {
    return path;
  }
}

/** A path (or a route's URL) as the router compares it: duplicate slashes and a trailing one dropped if it drops them. */
function routed(path: string, m: Matching): string {
  const single = m.ignoreDuplicateSlashes ? path.replace(/\/{2,}/g, '/') : path;
  return m.ignoreTrailingSlash && single.length > 1 ? single.replace(/\/$/, '') : single;
}

/**
 * A route's URL as a regular expression of a path: `:name` (a parameter, also inside a segment) any run of
 * characters but `/`, `*` anything; every other character as itself (in any letter case unless the router is
 * case-sensitive).
 */
function patternOf(url: string, m: Matching): RegExp {
  const escaped = routed(url, m).replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const source = escaped.replace(/\*/g, '.*').replace(/:[A-Za-z0-9_]+/g, '[^/]*');
  return new RegExp(`^${source}$`, m.caseSensitive ? '' : 'i');
}

/** Gathers the routes `app` adds from now on (add it before the routes); one per app. */
export function gatherRouteMethods(app: FastifyInstance): RouteMethods {
  const byUrl = new Map<string, Pattern>();
  const m = matchingOf(app);
  app.addHook('onRoute', function noteMethods(route) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const known = byUrl.get(route.url) ?? { re: patternOf(route.url, m), methods: new Set<string>() };
    for (const method of methods) known.methods.add(method.toUpperCase());
    byUrl.set(route.url, known);
  });
  return {
    allowed(path) {
      const asRouted = routed(decodedPath(path), m);
      const found = new Set<string>();
      for (const { re, methods } of byUrl.values())
        if (re.test(asRouted)) for (const method of methods) found.add(method);
      return [...found].sort();
    },
    all() {
      return [...new Set([...byUrl.values()].flatMap(({ methods }) => [...methods]))].sort();
    },
  };
}

/**
 * What a CONNECT to `target` is told the server takes (its `Allow`, src/api/socket-problem.ts): a path's own methods
 * when a route has it, else (a host:port, a path no route has) every method of the API.
 */
export function connectAllow(routes: RouteMethods): (target: string) => string[] {
  return function allowOfTarget(target) {
    const own = target.startsWith('/') ? routes.allowed(target.split('?')[0] ?? target) : [];
    return own.length > 0 ? own : routes.all();
  };
}
