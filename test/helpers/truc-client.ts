/**
 * truc's API as the end-to-end tests (and vendors) reach it: the `@truc/client` package
 * (packages/client), built on the types generated from the committed `openapi/truc.v1.json`. A route,
 * parameter or body the spec does not describe is a type error, so the tests and the spec cannot drift
 * apart (CONVENTIONS decision 5). This file only adds the two test conveniences below.
 */
import { createTrucClient, type components, type TrucClient } from '../../packages/client/src/index.js';

export { createTrucClient, type TrucClient };

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

/** A client of truc at `baseUrl`: anonymous, or sending `token` as its bearer token. */
export function trucClient(baseUrl: string, token?: string): TrucClient {
  return createTrucClient({ baseUrl, ...(token === undefined ? {} : { token }) });
}

/** A client of truc at `baseUrl` acting as `c` (its token fetched on the first call and cached). */
export function clientAs(baseUrl: string, c: ClientCredentials): TrucClient {
  return createTrucClient({ baseUrl, clientId: c.clientId, clientSecret: c.clientSecret });
}
