/**
 * Optimistic concurrency of an API client's admin changes (fix36f, review35b F7): `GET /v1/admin/clients/{id}` (and
 * every answer carrying the client) sends a weak ETag of what a city admin can change; `PATCH` of the client and
 * `DELETE …/old-secret` honour `If-Match` (RFC 9110 §13.1.1: a list of tags, or `*`), 412 ERR_PRECONDITION_FAILED
 * when none matches, nothing changed. Without If-Match they work as before.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, both } from '../errors.js';
import type { ApiClient } from '../store/clients.js';

/** The client's weak ETag: a digest of its name, role, schools, units, scopes, state and secret generation. */
export function clientETag(c: ApiClient): string {
  const state = [c.name, c.role, c.schools, c.units, c.scopes, c.disabled, c.secretGeneration];
  const digest = createHash('sha256')
    .update(JSON.stringify([...state, c.oldSecretExpiresAt?.toISOString() ?? null]))
    .digest('hex');
  return `W/"${digest.slice(0, 20)}"`;
}

/** The request headers a change of a client reads (documented in the OpenAPI document). */
export const IfMatchHeaders = z.object({
  'if-match': z.string().optional().meta({
    description:
      'ETag của lần đọc (GET); khác ETag hiện tại: 412 / The ETag you read (GET); another than the current one: 412',
  }),
});

/** The tags of an If-Match header, each compared weakly (RFC 9110 §8.8.3.2: `W/` ignored); `*` matches any. */
function tagsOf(header: string): string[] {
  return (header.match(/\*|(?:W\/)?"[^"]*"/g) ?? []).map((t) => t.replace(/^W\//, ''));
}

/** Refuses the change (412) when the request's If-Match names none of `client`'s current state. */
export function requireIfMatch(request: FastifyRequest, client: ApiClient): void {
  const header = request.headers['if-match'];
  if (header === undefined) return;
  const tags = tagsOf(header);
  const current = clientETag(client).replace(/^W\//, '');
  if (tags.includes('*') || tags.includes(current)) return;
  throw new AppError(
    'ERR_PRECONDITION_FAILED',
    both(
      `ứng dụng đã đổi từ lần đọc của bạn; ETag hiện tại ${clientETag(client)}`,
      `the client changed since you read it; its ETag is now ${clientETag(client)}`,
    ),
  );
}

/** Sends the client's ETag with an answer that carries it. */
export function withETag(reply: FastifyReply, client: ApiClient): void {
  void reply.header('etag', clientETag(client));
}
