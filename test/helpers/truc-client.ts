/**
 * truc's API as the end-to-end tests (and vendors) reach it: the typed client that openapi-fetch makes
 * from `openapi/generated/truc.v1.ts` (generated from the committed `openapi/truc.v1.json` by
 * `npm run openapi:export`). A route, parameter or body the spec does not describe is a type error,
 * so the tests and the spec cannot drift apart (CONVENTIONS decision 5).
 */
import createClient, { type Client } from 'openapi-fetch';
import { expect } from 'vitest';
import type { components, paths } from '../../openapi/generated/truc.v1.js';

export type TrucClient = Client<paths>;

/** A record type of the spec's batch body (`oneOf` by format and entity), e.g. `CanonicalStudentsRecord`. */
export type WireRecord<N extends keyof components['schemas'] & `${string}Record`> = components['schemas'][N];

/**
 * Records as the JSON body carries them: optional fields that are `undefined` in a TypeScript value
 * are simply absent on the wire (the spec's types, under exactOptionalPropertyTypes, say so).
 */
export function onTheWire<N extends keyof components['schemas'] & `${string}Record`>(
  records: readonly object[],
): WireRecord<N>[] {
  return JSON.parse(JSON.stringify(records)) as WireRecord<N>[];
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** A client of truc at `baseUrl`, sending `token` as its bearer token when given. */
export function trucClient(baseUrl: string, token?: string): TrucClient {
  const client = createClient<paths>({ baseUrl });
  if (token)
    client.use({
      onRequest({ request }) {
        request.headers.set('authorization', `Bearer ${token}`);
        return request;
      },
    });
  return client;
}

/** A bearer token for `c` (client credentials, form-encoded as in the operator contract). */
export async function tokenFor(baseUrl: string, c: ClientCredentials): Promise<string> {
  const { data, error, response } = await trucClient(baseUrl).POST('/oauth/token', {
    body: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret },
    bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  expect(response.status, JSON.stringify(error)).toBe(200);
  return data!.access_token;
}

/** A typed client of truc at `baseUrl` acting as `c`. */
export async function clientAs(baseUrl: string, c: ClientCredentials): Promise<TrucClient> {
  return trucClient(baseUrl, await tokenFor(baseUrl, c));
}
