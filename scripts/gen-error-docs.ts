/** Writes docs/errors.md from the one error table in src/errors.ts (`--check` fails on drift). */
import { join } from 'node:path';
import { ERRORS } from '../src/errors.js';
import { PROJECT_ROOT } from '../src/config.js';
import { isEntry, writeGenerated, type Generated } from './generated.js';

const HOW: Partial<Record<keyof typeof ERRORS, string>> = {
  ERR_SCOPE_UNKNOWN:
    "Check the code (`detail` names it). A school code (a pull's `scope`, or the school whose system is set) must be a school truc holds: a new school is pulled first (`entity: schools`), then its classes, students and staff, and its system set. A moet-pcgd pull's `scope` is a current commune's 5-digit code (the admin units of 2025).",
  ERR_SYSTEM_NOT_CONFIGURED:
    "Set the system's base URL and credentials (README Configuration: `SMAS_BASE_URL`, `SMAS_API_KEY`, …) and restart truc, or pull from a system truc is configured for; a schedule of such a system requests no run (its fire is recorded `refused`).",
  ERR_VALIDATION: 'Read `errors[]`: each item names the field (JSON pointer) and the rule.',
  ERR_MALFORMED_JSON: 'Send a valid JSON body with `Content-Type: application/json`.',
  ERR_BODY_TOO_LARGE:
    "Split the batch; `detail` names the route's limit (a delta batch's `server.bodyLimitBytes`, a snapshot's `server.snapshotBodyLimitBytes`; every other route's 1 MiB, the token endpoint's 16 KiB).",
  ERR_BATCH_TOO_LARGE:
    'Split a delta batch (`server.maxBatchRecords`, 1,000), or send the whole school as one `"mode": "snapshot"` batch (`server.maxSnapshotRecords`, 5,000); `detail` names the limit.',
  ERR_UNSUPPORTED_MEDIA_TYPE:
    'Send the body as `Content-Type: application/json` (a form only to `/oauth/token`), uncompressed: a body with a `Content-Encoding` (gzip, …) is refused, the answer says `Accept-Encoding: identity`. The `detail` says what the route takes.',
  ERR_TRANSFER_CODING_UNSUPPORTED:
    'A `Transfer-Encoding` other than `chunked` (and `identity`) and not a compression (RFC 9112 §6.1): send the body with `Content-Length` or `Transfer-Encoding: chunked` only. A compression (gzip, deflate…) there is 415 `ERR_UNSUPPORTED_MEDIA_TYPE`.',
  ERR_SELF_LOCKOUT:
    'Make the change from another admin client, or on the host with `truc clients`. Nothing was changed.',
  ERR_NOT_FOUND:
    'The id (or code) is well-formed but truc holds nothing by it, or nothing you may see; an ill-formed one is a 400 `ERR_VALIDATION`.',
  ERR_RATE_LIMITED:
    'Wait `Retry-After` seconds (`detail` names the same wait: "try again in 12 s"). Per client: `api.rateLimit`; per source address, failed authentications (no, bad or expired token at `/v1`, a wrong `/metrics` token): `api.failedAuthLimit`; per client, tokens issued: `auth.maxTokensPerMinute`.',
  ERR_LOGIN_THROTTLED:
    'Wait `Retry-After` seconds (`detail` and `error_description` name the same wait: "try again in 3 s"), then log in with the right secret.',
  ERR_UNAUTHENTICATED: 'Get a token at `POST /oauth/token` and send `Authorization: Bearer <token>`.',
  ERR_TOKEN_INVALID: 'Get a new token; tokens expire after `auth.tokenTtlSeconds`.',
  ERR_INVALID_CLIENT:
    'Check client_id and client_secret. A client is never locked: repeated failures from one address slow logins from it down (429 `ERR_LOGIN_THROTTLED`).',
  ERR_CLIENT_LOCKED:
    'Reserved, not sent: truc never locks a client (failed logins are throttled per address, `ERR_LOGIN_THROTTLED`).',
  ERR_IDEMPOTENCY_IN_PROGRESS:
    'Reserved, not sent: a push under the Idempotency-Key of one still being stored waits for it and answers as it did (`Idempotent-Replayed: true`).',
  ERR_METHOD_NOT_ALLOWED:
    'The address exists, not with this method: `Allow` (and `detail`) name the methods it takes (walk7 W7-1).',
  ERR_FORBIDDEN_SCHOOL: 'Ask the city to bind the school to your client (`truc clients add --schools`).',
  ERR_IDEMPOTENCY_MISMATCH: 'Use a new Idempotency-Key for a different request.',
  ERR_DEPENDENCY_UNAVAILABLE:
    'Wait `Retry-After` seconds (`detail` names the same wait: "try again in 5 s"), then send the same request again (with its Idempotency-Key: answered once); operators: check `/readyz`.',
  ERR_SCHEMA_PENDING:
    'Operators: run `truc migrate` of the same truc version (off-hours when README Operations names a rewrite under a lock), then the command again. The CLI exits 4; only `truc migrate` and the roles migrate.',
  ERR_ADAPTER_RATE_LIMITED: 'Nothing to do: the job waits for the target’s Retry-After.',
  ERR_JOB_PAYLOAD_INVALID:
    'Operators: the job came from an older or foreign producer; read its dead letter, fix the cause, replay it.',
  ERR_JOB_UNKNOWN:
    'Operators: run workers of the same truc version as the producers, then replay the letter.',
  ERR_JOB_STARTS_EXHAUSTED:
    'Operators: the target stayed paused (open circuit or Retry-After) past `sync.worker.maxStarts`; check the target, then replay the letter.',
  ERR_MAPPING_VERSION_UNKNOWN:
    'Replay with `"mapping": "current"`; the versions kept loadable are declared beside each mapping (`*_PREVIOUS_MAPPINGS`).',
  ERR_GUARD_SUPERSEDED:
    'Nothing to approve: the newer full run of the scope decides what is deleted; if its reconciliation is held, decide that hold.',
  ERR_GUARD_SUPERSEDED_SCHOOLS:
    'Nothing to approve: the newer runs of those schools decided there. If the whole-city run is held again at a page, decide that hold.',
  ERR_SCHEDULE_FIRE_TAKEN: 'Call again: a later call is a fire of its own, and requests a run.',
  ERR_ADAPTER_REJECTED:
    "The external system refused the content; retrying sends the same refusal. PCGD-XMC figures: the report stays `submitted` with `delivery.lastError` and is counted not submitted (`GET /v1/pcgd/deadlines`); the report's `delivery.refusal` holds the Ministry's problem code and field errors (which indicator, which rule); a province officer or city admin reopens the report, the officer corrects, recomputes, approves and submits again (a refusal of a transient kind: submit the same version again).",
  ERR_ADAPTER_WINDOW_CLOSED:
    'The Ministry accepts figures only in its window (from 1 September to the deadline).',
};

/** docs/errors.md as the error table makes it. */
export function errorDocs(): Generated[] {
  const rows = Object.entries(ERRORS).map(
    ([code, d]) =>
      `| \`${code}\` | ${d.status} | ${d.retryable ? 'yes' : 'no'} | ${d.vi} | ${d.en} | ${HOW[code as keyof typeof ERRORS] ?? ''} |`,
  );
  const text = `# Error codes

Generated from \`src/errors.ts\` by \`scripts/gen-error-docs.ts\`; do not edit by hand. Codes are part
of the API contract: they are never renamed or reused. Every problem response carries one in \`code\`.

| code | HTTP | retryable | Tiếng Việt | English | how to solve |
|---|---|---|---|---|---|
${rows.join('\n')}
`;
  return [[join(PROJECT_ROOT, 'docs', 'errors.md'), text]];
}

if (isEntry(import.meta.url))
  process.exitCode = writeGenerated(errorDocs(), 'npx tsx scripts/gen-error-docs.ts');
