/**
 * fix34b (review33c N5): after a session ends by itself, signing in again returns to the page and filters the admin
 * was on, and only to a route of the dashboard the new session may see (no open redirect). dashboard/src/return-to.ts.
 */
import { describe, expect, it } from 'vitest';
import { returnRoute } from '../../../dashboard/src/return-to.js';

const ADMIN = ['overview', 'schools', 'quality', 'sync', 'guard', 'dead-letters'];

describe('dashboard: the page to return to after signing in', () => {
  it('a page of the dashboard, its argument and filters kept', () => {
    for (const route of [
      '#/schools',
      '#/schools?q=nguyen%20trai&offset=50',
      '#/schools/79000012',
      '#/quality?level=commune&sort=worst&band=red&offset=24',
      '#/guard/12',
      '#/sync?system=hcm-csdl&from=2026-12-04T00%3A00%3A00%2B07%3A00',
      '#/dead-letters?queue=push.smas&errorCode=ERR_ADAPTER_UNAVAILABLE',
    ])
      expect(returnRoute(route, ADMIN), route).toBe(route);
  });

  it('never another origin or path, nor a page the session may not see, nor the sign-in page', () => {
    for (const saved of [
      null,
      '',
      'https://evil.example/',
      '//evil.example/x',
      '/dashboard#/schools',
      '#//evil.example',
      '#/\\evil.example',
      'javascript:alert(1)',
      '#/schools/../../x',
      '#/schools?q=<script>',
      '#/schools#/x',
      '#/signin',
      '#/signin?x=1',
      '#/audit',
      '#/nowhere',
      `#/schools?q=${'a'.repeat(2000)}`,
    ])
      expect(returnRoute(saved, ADMIN), String(saved)).toBeUndefined();
    expect(returnRoute('#/audit?actor=cl_1', ['audit'])).toBe('#/audit?actor=cl_1');
  });
});
