/**
 * fix35a (fix34a's leftovers): a held city-wide run's reasons. fix34a paged the hold's schools, but its `reasons` (a
 * threshold crossed, per school: 1,591 of 2,500 schools here) were still sent whole in the hold and in every hold of
 * the list (167 KB of the hold's 226 KB), and `truc holds show` printed every reason and every school. Now the hold
 * and the list carry the 50 highest ratios and `reasonsTotal`, `GET /v1/guard/holds/{id}/reasons` pages them all
 * (limit/offset, in the same order), and `truc holds show` prints the 20 most telling reasons and schools with how
 * many more (`--all` prints them, `--json` holds them). Real PostgreSQL; sizes printed, not asserted.
 */
import { describe, expect, it } from 'vitest';
import type { HoldReason, SchoolDiff } from '../../src/store/guard-holds.js';
import { expectProblem } from '../helpers/api.js';
import { cityHold, mostAffectedFirst } from '../helpers/city-hold.js';
import { useCliAdminWorld } from '../helpers/cli-admin-world.js';
import { truc } from '../helpers/cli-in-process.js';

interface Summary {
  id: number;
  reasons: HoldReason[];
  reasonsTotal: number;
}

/** The highest ratio first, then by school: the API's order of a hold's reasons. */
const byRatio = (a: HoldReason, b: HoldReason) =>
  b.ratio - a.ratio || (a.school < b.school ? -1 : a.school > b.school ? 1 : 0);

describe('fix35a, a held city-wide run’s reasons capped and paged (postgres)', () => {
  const { h } = useCliAdminWorld();
  let hold: Awaited<ReturnType<typeof cityHold>>;
  let sorted: HoldReason[];

  const get = (url: string) => h.get(url, h.tokens.admin);

  it('the hold and the list carry the 50 highest ratios and how many in all', async () => {
    hold = await cityHold(h.env.deps.db);
    sorted = [...hold.reasons].sort(byRatio);
    expect(sorted.length).toBeGreaterThan(1500);
    const res = await get(`/v1/guard/holds/${hold.holdId}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<Summary>();
    console.log(
      `fix35a measure: GET /v1/guard/holds/{id}: ${res.body.length} bytes; its reasons whole were ${JSON.stringify(hold.reasons).length}`,
    );
    expect(body.reasonsTotal).toBe(sorted.length);
    expect(body.reasons).toEqual(sorted.slice(0, 50));
    const list = (await get('/v1/guard/holds?status=held&limit=200')).json<{ items: Summary[] }>();
    const listed = list.items.find((i) => i.id === hold.holdId)!;
    expect(listed.reasonsTotal).toBe(sorted.length);
    expect(listed.reasons).toEqual(sorted.slice(0, 50));
  });

  it('GET …/reasons pages every reason once in that order; 404 for no hold; 400 for a bad page', async () => {
    const seen: HoldReason[] = [];
    for (let offset = 0; offset < sorted.length; offset += 500) {
      const res = await get(`/v1/guard/holds/${hold.holdId}/reasons?limit=500&offset=${offset}`);
      expect(res.statusCode).toBe(200);
      const page = res.json<{ holdId: number; total: number; items: HoldReason[] }>();
      expect(page).toMatchObject({ holdId: hold.holdId, total: sorted.length, limit: 500, offset });
      seen.push(...page.items);
    }
    expect(seen).toEqual(sorted);
    const first = (await get(`/v1/guard/holds/${hold.holdId}/reasons`)).json<{ items: HoldReason[] }>();
    expect(first).toMatchObject({ limit: 50, offset: 0, items: sorted.slice(0, 50) });
    expectProblem(await get('/v1/guard/holds/999999/reasons'), 404, 'ERR_NOT_FOUND');
    expectProblem(await get(`/v1/guard/holds/${hold.holdId}/reasons?limit=501`), 400, 'ERR_VALIDATION');
  });

  it('truc holds show: the 20 most telling reasons and schools and how many more; --all every one', async () => {
    const schools: SchoolDiff[] = [...hold.diff].sort(mostAffectedFirst);
    const show = await truc('holds', 'show', String(hold.holdId));
    expect(show.code, show.stderr).toBe(0);
    const lines = show.stdout.split('\n');
    const reasonLines = lines.filter((l) => / \/ school \d+: changed \d+ of \d+ live/.test(l));
    expect(reasonLines).toHaveLength(20);
    expect(reasonLines[0]).toContain(`/ school ${sorted[0]!.school}: changed`);
    const schoolLines = lines.filter((l) => / \/ school \d+: \d+ live, /.test(l));
    expect(schoolLines.map((l) => /\/ school (\d+):/.exec(l)![1])).toEqual(
      schools.slice(0, 20).map((d) => d.school),
    );
    expect(show.stdout).toContain(
      `  … và ${sorted.length - 20} lý do nữa (--all: tất cả; --json) / … ${sorted.length - 20} more reasons (--all: every one; --json)\n`,
    );
    expect(show.stdout).toContain(`/ … ${schools.length - 20} more schools (--all: every one; --json)\n`);
    const all = await truc('holds', 'show', String(hold.holdId), '--all');
    const allLines = all.stdout.split('\n');
    expect(allLines.filter((l) => / \/ school \d+: changed \d+ of \d+ live/.test(l))).toHaveLength(
      sorted.length,
    );
    expect(allLines.filter((l) => / \/ school \d+: \d+ live, /.test(l))).toHaveLength(schools.length);
    expect(all.stdout).not.toContain('more schools');
    const json = JSON.parse((await truc('holds', 'show', String(hold.holdId), '--json')).stdout) as Summary;
    expect(json.reasons).toHaveLength(sorted.length);
    expect(json.reasonsTotal).toBe(sorted.length);
  });
});
