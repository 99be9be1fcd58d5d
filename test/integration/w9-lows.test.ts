/**
 * walk9 LOWs: W9-10, a token request with no body is told which fields it needs; W9-12, a 403 ERR_FORBIDDEN_SCHOOL
 * names the school code not granted to the client (codes are not personal data).
 */
import { describe, expect, it } from 'vitest';
import { bearer, expectOauthError, expectProblem, OTHER, S1, useApiHarness } from '../helpers/api.js';
import { backends } from '../helpers/env.js';

const h = useApiHarness(backends()[0]!);

describe('walk9 LOWs', () => {
  it('W9-10: POST /oauth/token with no body names grant_type, client_id, client_secret and Basic auth', async () => {
    for (const headers of [{}, { 'content-type': 'application/x-www-form-urlencoded' }]) {
      const res = await h.app.inject({ method: 'POST', url: '/oauth/token', headers });
      const body = expectOauthError(res, 400, 'invalid_request', 'ERR_VALIDATION');
      for (const word of ['grant_type', 'client_id', 'client_secret', 'Basic'])
        expect(String(body.detail), res.body).toContain(word);
      expect(String(body.detail)).toMatch(/ \/ /); // Vietnamese, then English
    }
  });

  it('W9-12: 403 ERR_FORBIDDEN_SCHOOL says which school is not granted, in both languages', async () => {
    const push = await h.pushBatch(h.tokens.vendor, OTHER, { entity: 'students', records: [{}] });
    const refused = expectProblem(push, 403, 'ERR_FORBIDDEN_SCHOOL');
    // walk13: then what to do (./walk13-vendor.test.ts)
    expect(refused.detail).toMatch(
      new RegExp(
        `^trường ${OTHER} không được cấp cho ứng dụng \\(client\\) này: .+ / school ${OTHER} is not granted to this client: `,
      ),
    );
    const quality = await h.get(`/v1/schools/${OTHER}/quality`, h.tokens.vendor);
    expect(expectProblem(quality, 403, 'ERR_FORBIDDEN_SCHOOL').detail).toContain(OTHER);
    const changes = await h.app.inject({
      method: 'GET',
      url: `/v1/changes?schoolCode=${OTHER}`,
      headers: bearer(h.tokens.vendor),
    });
    expect(expectProblem(changes, 403, 'ERR_FORBIDDEN_SCHOOL').detail).toContain(OTHER);
    expect(refused.detail).not.toContain(S1);
  });
});
