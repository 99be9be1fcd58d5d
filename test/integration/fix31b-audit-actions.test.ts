/**
 * fix31b item 4: `GET /v1/audit?action=<mistyped>` answered an empty list, so an auditor could not tell "nothing
 * happened" from "no such action". The action is one truc writes (src/store/audit-log.ts AUDIT_ACTIONS) or one the
 * audit log holds from before (an older name its rows still carry, never refused); any other is a 400 ERR_VALIDATION
 * naming the valid ones, in Vietnamese and English. On both databases.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/chain.js';
import { addClient } from '../../src/ops.js';
import { AUDIT_ACTIONS, type AuditAction } from '../../src/store/audit-log.js';
import { expectProblem, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

/** An action name no code writes any more, as older rows of a city's log may carry. */
const OLD = 'pcgd.signed' as AuditAction;

describe.each(backends().filter((b) => b.name.endsWith('pg-queue')))(
  'the audit search by action on $name',
  (backend) => {
    const h = useApiHarness(backend);
    let auditor: string;

    beforeAll(async () => {
      auditor = await h.tokenOf(await addClient(h.env.deps.db, { name: 'Auditor', role: 'auditor' }));
      await h.env.deps.db.tx((q) =>
        appendAudit(q, [{ actor: 'cli', action: OLD, subject: '26740' }], new Date('2025-10-01T03:00:00Z')),
      );
    });

    it('a mistyped action is a 400 naming the valid ones, in both languages; nothing else is read', async () => {
      const body = expectProblem(
        await h.get('/v1/audit?action=client.create', auditor),
        400,
        'ERR_VALIDATION',
      );
      expect(body.errors).toHaveLength(1);
      const [e] = body.errors!;
      expect(e).toMatchObject({ pointer: '/querystring/action', rule: 'invalid_value' });
      const [words, names] = e!.message.split(': ');
      expect(words).toBe(
        'không phải hành động nào của nhật ký kiểm toán; một trong / not an action of the audit log; one of',
      );
      // every action truc writes, and the older one the log holds, named once, sorted
      expect(names!.split(', ')).toEqual([...AUDIT_ACTIONS, OLD].sort());
    });

    // fix32b: what the dashboard offers as the action is typed, asked of the API (the refusal's set)
    it('GET /v1/audit/actions lists the actions the search takes: those truc writes and the older ones held', async () => {
      const res = await h.get('/v1/audit/actions', auditor);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ items: [...AUDIT_ACTIONS, OLD].sort() });
      expect((await h.get('/v1/audit/actions')).statusCode).toBe(401);
    });

    it('an action truc writes is searched even before any row carries it; an older one the log holds finds its rows', async () => {
      const never = await h.get('/v1/audit?action=webhook.pinged', auditor);
      expect(never.statusCode, never.body).toBe(200);
      expect(never.json()).toEqual({ items: [] });
      const old = await h.get(`/v1/audit?action=${OLD}`, auditor);
      expect(old.statusCode, old.body).toBe(200);
      expect(old.json<{ items: Array<{ action: string; subject: string }> }>().items).toMatchObject([
        { action: OLD, subject: '26740' },
      ]);
      const created = await h.get('/v1/audit?action=client.created', auditor);
      expect(created.statusCode, created.body).toBe(200);
      expect(created.json<{ items: unknown[] }>().items.length).toBeGreaterThan(0);
    });
  },
);
