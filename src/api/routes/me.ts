/**
 * Who the caller is (walk2 F5): `GET /v1/me` answers the calling client's id, its display name (as every list names
 * it: store/actor-names.ts), its role, the scopes its token holds now and the schools and units it is bound to. Any
 * valid token may ask ({@link ANY_SCOPE}); a client sees only itself. Nothing secret (no secret, no token id), no
 * personal data: a client's name never holds a personal ID or phone number (canonical/free-text.ts refuses them).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ROLES } from '../../store/clients.js';
import { actorName } from '../../store/actor-names.js';
import type { Db } from '../../store/db.js';
import { ANY_SCOPE, principalOf } from '../plugins/auth.js';
import { problems } from '../problem.js';
import { NoQuery } from '../query.js';

const Me = z
  .object({
    clientId: z.string().meta({ description: 'Mã ứng dụng / the client id' }),
    name: z.string().meta({
      description:
        "Tên hiển thị của ứng dụng, như các danh sách ghi (người yêu cầu, nhật ký kiểm toán) / the client's display " +
        'name, as lists name it (who requested a run, the audit log)',
    }),
    role: z.enum(ROLES),
    scopes: z.array(z.string()).meta({
      description: 'Các quyền mã truy cập này có lúc này / the scopes this token holds now',
    }),
    schools: z.array(z.string()).meta({
      description:
        'Các trường ứng dụng được ghi (phần mềm trường: chỉ các trường này) / the schools the client may write ' +
        '(a vendor: only these)',
    }),
    units: z.array(z.string()).meta({
      description:
        'Các đơn vị PCGD (tỉnh, xã) ứng dụng phụ trách / the PCGD units (province, communes) the client covers',
    }),
  })
  .meta({ id: 'Me' });

export interface MeRouteOptions {
  db: Db;
}

const meRoutes: FastifyPluginAsyncZod<MeRouteOptions> = async function meRoutes(app, opts) {
  app.get(
    '/v1/me',
    {
      config: { scope: ANY_SCOPE },
      schema: {
        operationId: 'getMe',
        tags: ['auth'],
        summary: 'Ứng dụng đang gọi / The calling client (any valid token)',
        description:
          'Mã, tên hiển thị, vai trò, quyền, trường và đơn vị của ứng dụng gửi mã truy cập này; mọi mã hợp lệ đều gọi ' +
          'được, mỗi ứng dụng chỉ thấy chính mình / the id, display name, role, scopes, schools and units of the ' +
          'client whose token this is; any valid token may call it, each client sees only itself',
        querystring: NoQuery,
        response: { 200: Me, ...problems(401) },
      },
    },
    async function getMe(request) {
      const p = principalOf(request);
      const named = await actorName(opts.db, p.clientId);
      return {
        clientId: p.clientId,
        name: named?.name ?? p.clientId,
        role: p.role,
        scopes: [...p.scopes],
        schools: [...p.schools],
        units: [...p.units],
      };
    },
  );
};

export default meRoutes;
