/**
 * Who may do what with a unit's PCGD reports (issue 10), decided here, in the service, from the
 * caller's role and administrative units, so the API's claims model (src/api/auth) only has to say
 * who the caller is:
 * - a city admin may do everything;
 * - a pcgd-officer covers the units in its token (`units`): a commune, or a province and every commune
 *   of it. It may read, compute and submit what it covers, see the persons behind a figure, and approve
 *   the reports of its own units only (a province officer does not approve a commune's figures); it may ask for the
 *   survey persons of a commune it covers to be pulled (`pull`, fix30a), as it may compute the commune's figures;
 * - reopening approved figures is for a higher level: a province officer for its communes, a city
 *   admin for anything (a province's figures).
 * Anyone else (vendors, auditors) has no access. A refusal is ERR_FORBIDDEN_UNIT.
 */
import { getCommune } from '../../canonical/codes/admin-units.js';
import { AppError, both } from '../../errors.js';

export type PcgdAction = 'read' | 'compute' | 'records' | 'approve' | 'submit' | 'reopen' | 'pull';

/** The caller as the service sees it (the token's principal). */
export interface PcgdActor {
  clientId: string;
  role: string;
  units: readonly string[];
}

/** The province of a unit code (a commune's province, or the province itself). */
function provinceOf(unitCode: string): string | undefined {
  if (/^\d{2}$/.test(unitCode)) return unitCode;
  return getCommune(unitCode)?.provinceCode;
}

/** The officer's units include this one or its province. */
export function covers(actor: PcgdActor, unitCode: string): boolean {
  if (actor.units.includes(unitCode)) return true;
  const province = provinceOf(unitCode);
  return unitCode.length === 5 && province !== undefined && actor.units.includes(province);
}

export function mayAct(actor: PcgdActor, action: PcgdAction, unitCode: string): boolean {
  if (actor.role === 'city-admin') return true;
  if (actor.role !== 'pcgd-officer') return false;
  switch (action) {
    case 'approve':
      return actor.units.includes(unitCode);
    case 'reopen': {
      const province = provinceOf(unitCode);
      return unitCode.length === 5 && province !== undefined && actor.units.includes(province);
    }
    default:
      return covers(actor, unitCode);
  }
}

/** Each action as a refusal says it: Vietnamese, English. */
const ACTION_WORDS: Record<PcgdAction, [string, string]> = {
  read: ['xem báo cáo của', 'read the reports of'],
  compute: ['tính số liệu của', 'compute the figures of'],
  records: ['xem danh sách người của', 'see the persons of'],
  approve: ['phê duyệt số liệu của', 'approve the figures of'],
  submit: ['gửi số liệu của', 'submit the figures of'],
  reopen: ['mở lại số liệu đã duyệt của', 'reopen the approved figures of'],
  pull: ['kéo dữ liệu điều tra của', 'pull the survey persons of'],
};

/** Who may do what a refusal refused, where it is not the unit's own officer. */
const WHO_MAY: Partial<Record<PcgdAction, [string, string]>> = {
  approve: [
    'chỉ cán bộ PCGD của chính đơn vị hoặc quản trị thành phố được phê duyệt',
    "only the unit's own PCGD officer or a city admin approves",
  ],
  reopen: [
    'cán bộ PCGD của tỉnh (với xã của tỉnh) hoặc quản trị thành phố mở lại',
    "the province's PCGD officer (for its communes) or a city admin reopens",
  ],
};

/** Throws ERR_FORBIDDEN_UNIT unless the actor may do `action` on the unit; it says who may, where that helps. */
export function requireUnit(actor: PcgdActor, action: PcgdAction, unitCode: string): void {
  if (mayAct(actor, action, unitCode)) return;
  const [vi, en] = ACTION_WORDS[action];
  const who = WHO_MAY[action];
  throw new AppError(
    'ERR_FORBIDDEN_UNIT',
    both(
      `ứng dụng này không được ${vi} đơn vị ${unitCode}${who ? ` (${who[0]})` : ''}`,
      `this client may not ${en} unit ${unitCode}${who ? ` (${who[1]})` : ''}`,
    ),
  );
}

/** The units of `candidates` the actor may read (the deadline view lists only those). */
export function readableUnits(actor: PcgdActor, candidates: readonly string[]): string[] {
  return candidates.filter((u) => mayAct(actor, 'read', u));
}
