/**
 * Sống, the school's website (SONG_WEBSITE_DOWN, SONG_WEBSITE_NO_RSS): the last probe of the record's
 * own address decides; a probe of another address, or none, says nothing. One lookup per batch.
 */
import { describe, expect, it } from 'vitest';
import { websiteRulesOf, type WebsiteProbe } from '../../../src/quality/index.js';
import { codes, rec, run } from './helpers.js';

const SITE = 'https://thkimdong.hcm.edu.vn';
const probe = (over: Partial<WebsiteProbe> = {}): WebsiteProbe => ({
  website: SITE,
  answered: true,
  rss: true,
  ...over,
});

describe('websiteRulesOf', () => {
  it('passes a site that answers with a feed; flags one down or without RSS', () => {
    expect(websiteRulesOf(SITE, probe())).toEqual([]);
    expect(websiteRulesOf(SITE, probe({ answered: false, rss: false })).map((r) => r.code)).toEqual([
      'SONG_WEBSITE_DOWN',
    ]);
    expect(websiteRulesOf(SITE, probe({ rss: false })).map((r) => r.code)).toEqual(['SONG_WEBSITE_NO_RSS']);
  });

  it('a feed the site’s robots.txt keeps the probe from is unknown, not missing', () => {
    expect(websiteRulesOf(SITE, probe({ rss: false, problem: 'robots-disallowed' }))).toEqual([]);
  });

  it('boundary: no probe yet, or a probe of the school’s former address, says nothing', () => {
    expect(websiteRulesOf(SITE, undefined)).toEqual([]);
    expect(websiteRulesOf(SITE, probe({ website: 'https://old.example.vn', answered: false }))).toEqual([]);
    expect(websiteRulesOf(`${SITE}/`, probe({ answered: false }))).toEqual([]);
  });
});

describe('the store check at ingest', () => {
  it('reports the last probe on the school record, with the (public) address, in one lookup', async () => {
    const schools = [
      rec('schools', { website: SITE }),
      rec('schools', { website: 'https://b.hcm.edu.vn' }),
      rec('schools', { website: 'https://c.hcm.edu.vn' }),
      rec('schools', { website: undefined }),
    ];
    let calls = 0;
    const probes = new Map<string, WebsiteProbe>([
      [String(schools[0]!['schoolCode']), probe()],
      [
        String(schools[1]!['schoolCode']),
        probe({ website: 'https://b.hcm.edu.vn', answered: false, rss: false }),
      ],
      [String(schools[2]!['schoolCode']), probe({ website: 'https://c.hcm.edu.vn', rss: false })],
    ]);
    const r = await run('schools', schools, {
      lookups: {
        websiteProbes: async (codes) => {
          calls++;
          return new Map([...probes].filter(([code]) => codes.includes(code)));
        },
      },
    });
    expect(calls).toBe(1);
    expect(codes(r, 0)).toEqual([]);
    expect(codes(r, 1)).toEqual(['SONG_WEBSITE_DOWN']);
    expect(codes(r, 2)).toEqual(['SONG_WEBSITE_NO_RSS']);
    expect(codes(r, 3)).not.toContain('SONG_WEBSITE_DOWN');
    const down = r.findings.find((f) => f.rule === 'SONG_WEBSITE_DOWN')!;
    expect(down).toMatchObject({
      criterion: 'song',
      severity: 'warning',
      pointer: '/website',
      value: 'https://b.hcm.edu.vn',
    });
    expect(r.rejected.size).toBe(0);
  });

  it('follows the policy: off switches the rule off (and its lookup), error rejects', async () => {
    const school = rec('schools', { website: SITE });
    const probes = async () => new Map([[String(school['schoolCode']), probe({ answered: false })]]);
    const off = await run('schools', [school], {
      config: { policy: { schools: { SONG_WEBSITE_DOWN: 'off', SONG_WEBSITE_NO_RSS: 'off' } } },
      lookups: { websiteProbes: probes },
    });
    expect(codes(off)).toEqual([]);
    expect(off.lookups).toBe(0);
    const strict = await run('schools', [school], {
      config: { policy: { schools: { SONG_WEBSITE_DOWN: 'error' } } },
      lookups: { websiteProbes: probes },
    });
    expect(codes(strict)).toEqual(['SONG_WEBSITE_DOWN']);
    expect([...strict.rejected]).toEqual([0]);
  });
});
