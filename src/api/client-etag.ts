/**
 * Optimistic concurrency of an API client's admin changes (fix36f, review35b F7): `GET /v1/admin/clients/{id}`, and
 * the answers of its creation, its secret's rotation, its PATCH and DELETE …/old-secret (fix37d), send a weak ETag of
 * what a city admin can change (their schemas say `'x-etag': 'if-match'`: the OpenAPI document's ETag header); the
 * list sends none (a header names one resource). `PATCH` of the client, its secret's rotation (`POST …/secret`: two
 * screens rotating from one read rotate once) and `DELETE …/old-secret` honour `If-Match` (RFC 9110 §13.1.1: a list of
 * tags, or `*`), 412 ERR_PRECONDITION_FAILED when none matches, nothing changed. Without If-Match they work as before.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError, both } from '../errors.js';
import { etagMatches } from './etag.js';
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
  'if-match': z
    .string()
    .optional()
    .meta({
      description:
        'ETag của lần đọc (GET) hoặc của câu trả lời thay đổi trước (tạo, đổi khoá, PATCH, DELETE …/old-secret), hoặc *; ' +
        'không khớp ETag hiện tại: 412 ERR_PRECONDITION_FAILED, không đổi gì / the ETag of your read (GET) or of your ' +
        'last change’s answer (create, rotate-secret, PATCH, DELETE …/old-secret), or *; none matching the current ' +
        'one: 412 ERR_PRECONDITION_FAILED, nothing changed',
    }),
});

/** Refuses the change (412) when the request's If-Match names none of `client`'s current state. */
export function requireIfMatch(request: FastifyRequest, client: ApiClient): void {
  const header = request.headers['if-match'];
  if (header === undefined || etagMatches(header, clientETag(client))) return;
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
