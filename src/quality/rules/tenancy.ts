/**
 * Tenancy, the gate before the criteria: a vendor's batch belongs to one school and may write only
 * that school's records. Access control rather than a quality judgement: the city's policy cannot
 * soften or switch these rules off (see `effectiveSeverity`). Batches pulled from the systems of
 * record have no batch school (`ctx.schoolCode` undefined) and pass, but for one thing: a transfer is the
 * city's, so a school system's pulled record does not take a student (or staff member) truc holds at
 * another school.
 */
import { ENTITY_NAMES, scopeOf } from '../../canonical/entities.js';
import { rule, type Check } from './define.js';

export const OTHER_SCHOOL = rule({
  code: 'TENANCY_OTHER_SCHOOL',
  criterion: 'tenancy',
  entities: ENTITY_NAMES,
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Bản ghi của trường khác', en: 'Record of another school' },
  message: {
    vi: 'Bản ghi thuộc trường khác với trường của lô.',
    en: 'The record belongs to a school other than the batch’s school.',
  },
  hint: {
    vi: 'Gửi mỗi trường một lô riêng, với mã trường của lô.',
    en: 'Send each school its own batch, under that school’s code.',
  },
  showsValue: false,
});

export const OWNED_ELSEWHERE = rule({
  code: 'TENANCY_OWNED_ELSEWHERE',
  criterion: 'tenancy',
  entities: ENTITY_NAMES,
  severity: 'error',
  version: 2,
  scope: 'store',
  title: { vi: 'Mã đang thuộc trường khác', en: 'Code held by another school' },
  message: {
    vi: 'Mã này đang thuộc một trường khác; chuyển trường phải qua quy trình chuyển trường.',
    en: 'This code belongs to another school; moving it requires the transfer flow.',
  },
  hint: {
    vi: 'Làm thủ tục chuyển trường; trường mới nhận bản ghi sau khi chuyển xong.',
    en: 'Go through the transfer flow; the new school receives the record once it is done.',
  },
  showsValue: false,
});

const otherSchoolCheck: Check = {
  scope: 'record',
  rules: [OTHER_SCHOOL],
  entities: ENTITY_NAMES,
  check(rec, index, ctx, out) {
    if (ctx.schoolCode !== undefined && scopeOf(ctx.entity, rec) !== ctx.schoolCode) {
      out.add(index, OTHER_SCHOOL, '/schoolCode');
    }
  },
};

/** Moving a record between schools is a transfer, decided by the city's flow, not by a push. */
const ownedElsewhereCheck: Check = {
  scope: 'store',
  rules: [OWNED_ELSEWHERE],
  entities: ENTITY_NAMES,
  needs: ['owners'],
  check(_recs, keys, ctx, facts, out) {
    const owners = facts.owners;
    if (ctx.schoolCode === undefined || owners === undefined) return;
    keys.forEach((key, index) => {
      const owner = owners.get(key);
      if (owner !== undefined && owner !== ctx.schoolCode) out.add(index, OWNED_ELSEWHERE, '');
    });
  },
};

/**
 * A record pulled from a school's own system (SMAS, vnEdu) of a student or staff member truc holds at
 * another school, whoever wrote that copy (review15 BUG 8). The city moved them: the old school's system
 * still lists them until it hears of it, and its copy must not move them back (nor send that move on to
 * the city), even after the new school's system has edited them. Version 2 of the rule.
 */
const heldElsewhereCheck: Check = {
  scope: 'store',
  rules: [OWNED_ELSEWHERE],
  entities: ['students', 'staff'],
  needs: ['owners'],
  check(recs, keys, ctx, facts, out) {
    const owners = facts.owners;
    if (ctx.fromSchoolSystem !== true || owners === undefined) return;
    recs.forEach((rec, index) => {
      const owner = owners.get(keys[index]!);
      if (owner !== undefined && owner !== scopeOf(ctx.entity, rec)) out.add(index, OWNED_ELSEWHERE, '');
    });
  },
};

export const TENANCY_RULES = [OTHER_SCHOOL, OWNED_ELSEWHERE];
export const TENANCY_CHECKS: readonly Check[] = [otherSchoolCheck, ownedElsewhereCheck, heldElsewhereCheck];
