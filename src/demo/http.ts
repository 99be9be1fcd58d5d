/** The demo talks to truc as a client does: over HTTP, with bearer tokens, polling status URLs. */
import type { NewClient } from '../ops.js';
import { sleep } from '../observability/deadline.js';

/** Polls `fn` every 200 ms until it returns a value; throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`demo: timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** The JSON body of a 2xx response; anything else is an error naming the status and body. */
export async function json<T>(res: Response): Promise<T> {
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`demo: HTTP ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export type AuthHeaders = Record<string, string>;

/** An `authorization` header for `client`, from POST /oauth/token (client credentials). */
export async function bearerFor(base: string, client: NewClient): Promise<AuthHeaders> {
  const t = await json<{ access_token: string }>(
    await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }).toString(),
    }),
  );
  return { authorization: `Bearer ${t.access_token}` };
}

/** POSTs `body` as JSON and returns the `statusUrl` of the accepted work (202). */
export async function postForStatus(url: string, headers: AuthHeaders, body: object): Promise<string> {
  const res = await json<{ statusUrl: string }>(
    await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
  return res.statusUrl;
}

/** Polls a status URL until `finished(status)`; returns that status. */
export function waitForStatus<S extends { status: string }>(
  base: string,
  statusUrl: string,
  headers: AuthHeaders,
  finished: (s: S) => boolean = (s) => s.status === 'done' || s.status === 'failed',
): Promise<S> {
  return waitFor(statusUrl, async () => {
    const s = await json<S>(await fetch(`${base}${statusUrl}`, { headers }));
    return finished(s) ? s : undefined;
  });
}
