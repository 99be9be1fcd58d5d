/**
 * The body limits of the routes but the vendors' batch push, whose own are server.bodyLimitBytes (a delta) and
 * server.snapshotBodyLimitBytes (a snapshot): those routes took server.bodyLimitBytes (5 MiB) too, and a valid JSON body
 * of 5 MB is ~2 s of one core (decoded, parsed, inspected, read again for repeated keys: ./plugins/input.ts) before the
 * route's schema refuses it (review10). Over its limit a body is a 413 ERR_BODY_TOO_LARGE naming it, unread.
 */

/**
 * The token endpoint's, which needs no credentials: its largest body is a few hundred bytes (grant_type, client_id, a
 * 256-character client_secret, a 512-character scope and the parameters RFC 6749 §3.2 ignores), and 5 MB of JSON with
 * a wrong secret cost anyone ~3 s of the API's core, unauthenticated and unthrottled (the login throttle counts after
 * the body is read).
 */
export const TOKEN_BODY_LIMIT = 16 * 1024;

/**
 * Every other route's (never above server.bodyLimitBytes): their largest body is a client's grant of 10,000 school
 * codes (`POST /v1/admin/clients`, `PATCH …/{clientId}`: ~350 KB at 32 characters a code).
 */
export const OTHER_BODY_LIMIT = 1024 * 1024;
