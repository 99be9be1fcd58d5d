/**
 * Đúng (correct), contacts: Vietnamese phone numbers and e-mail addresses well formed, a school's
 * official e-mail on an official domain and its website a full http(s) address.
 */
import { rule, strField, type Check } from './define.js';

export const PHONE_FORMAT = rule({
  code: 'DUNG_PHONE_FORMAT',
  criterion: 'dung',
  entities: ['schools', 'students', 'staff'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Số điện thoại không đúng dạng Việt Nam', en: 'Not a Vietnamese phone number' },
  message: {
    vi: 'Số điện thoại không phải số di động (10 số, đầu 03/05/07/08/09) hay cố định (11 số, đầu 02) của Việt Nam.',
    en: 'The phone is neither a Vietnamese mobile (10 digits, 03/05/07/08/09) nor a landline (11 digits, 02).',
  },
  hint: {
    vi: 'Nhập số điện thoại đầy đủ, ví dụ 0912345678 hoặc 02838123456.',
    en: 'Enter the full number, e.g. 0912345678 or 02838123456.',
  },
  showsValue: false,
});

export const EMAIL_FORMAT = rule({
  code: 'DUNG_EMAIL_FORMAT',
  criterion: 'dung',
  entities: ['schools', 'staff'],
  severity: 'error',
  version: 1,
  scope: 'record',
  title: { vi: 'Địa chỉ email không hợp lệ', en: 'Invalid e-mail address' },
  message: { vi: 'Địa chỉ email không hợp lệ.', en: 'The e-mail address is not valid.' },
  hint: { vi: 'Nhập email dạng ten@tenmien.vn.', en: 'Enter an address like name@domain.vn.' },
  showsValue: false,
});

export const SCHOOL_EMAIL_DOMAIN = rule({
  code: 'DUNG_SCHOOL_EMAIL_DOMAIN',
  criterion: 'dung',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: {
    vi: 'Email trường không thuộc tên miền chính thức',
    en: 'School e-mail not on an official domain',
  },
  message: {
    vi: 'Email chính thức của trường phải thuộc tên miền chính thức (ví dụ hcm.edu.vn).',
    en: 'A school’s official e-mail must be on an official domain (e.g. hcm.edu.vn).',
  },
  hint: {
    vi: 'Dùng hộp thư do Sở cấp (…@hcm.edu.vn, …@moet.edu.vn hoặc …@tphcm.gov.vn).',
    en: 'Use the mailbox the city issued (…@hcm.edu.vn, …@moet.edu.vn or …@tphcm.gov.vn).',
  },
  showsValue: true,
});

export const WEBSITE_FORMAT = rule({
  code: 'DUNG_WEBSITE_FORMAT',
  criterion: 'dung',
  entities: ['schools'],
  severity: 'warning',
  version: 1,
  scope: 'record',
  title: { vi: 'Địa chỉ website không hợp lệ', en: 'Invalid website address' },
  message: {
    vi: 'Website của trường phải là địa chỉ http(s) đầy đủ.',
    en: 'The school’s website must be a full http(s) address.',
  },
  hint: { vi: 'Nhập dạng https://ten-truong.hcm.edu.vn.', en: 'Enter it like https://school.hcm.edu.vn.' },
  showsValue: true,
});

const MOBILE_OR_LANDLINE = /^(?:0[35789]\d{8}|02\d{9})$/;

/** MOBILE_OR_LANDLINE as a char-code test: 0[35789] + 8 digits, or 02 + 9 digits. */
function isPlainVietnamesePhone(phone: string): boolean {
  const n = phone.length;
  if (phone.charCodeAt(0) !== 0x30) return false;
  const second = phone.charCodeAt(1);
  if (second === 0x32 ? n !== 11 : n !== 10 || !(second === 0x33 || second === 0x35 || second >= 0x37))
    return false;
  for (let i = 1; i < n; i++) {
    const c = phone.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** True for a Vietnamese mobile (10 digits) or landline (11 digits, 02…), `+84` accepted for the 0. */
function isVietnamesePhone(phone: string): boolean {
  if (isPlainVietnamesePhone(phone) || MOBILE_OR_LANDLINE.test(phone)) return true;
  const digits = phone.replace(/[\s.()-]/g, '');
  return MOBILE_OR_LANDLINE.test(digits.startsWith('+84') ? `0${digits.slice(3)}` : digits);
}

const EMAIL =
  /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9-]*\.)+[A-Za-z]{2,}$/;

/** True for a well-formed e-mail address (the canonical schema's pattern). */
function isEmail(value: string): boolean {
  return EMAIL.test(value);
}

export const contactCheck: Check = {
  scope: 'record',
  rules: [PHONE_FORMAT, EMAIL_FORMAT],
  entities: ['schools', 'students', 'staff'],
  check(rec, index, _ctx, out) {
    const phone = rec['phone'];
    if (typeof phone === 'string' && !isVietnamesePhone(phone)) out.add(index, PHONE_FORMAT, '/phone');
    const email = rec['email'];
    if (typeof email === 'string' && !isEmail(email)) out.add(index, EMAIL_FORMAT, '/email');
    const official = rec['officialEmail'];
    if (typeof official === 'string' && !isEmail(official)) out.add(index, EMAIL_FORMAT, '/officialEmail');
  },
};

/** True when `email`'s domain is one of `domains` or a subdomain of one. */
function onOfficialDomain(email: string, domains: readonly string[]): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((d) => domain === d || domain.endsWith(`.${d}`));
}

/** True for an absolute http(s) URL whose host has a dot. */
function isWebsite(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.includes('.');
  } catch {
    return false;
  }
}

export const schoolContactCheck: Check = {
  scope: 'record',
  rules: [SCHOOL_EMAIL_DOMAIN, WEBSITE_FORMAT],
  entities: ['schools'],
  check(rec, index, ctx, out) {
    const email = strField(rec['officialEmail']);
    if (email !== undefined && isEmail(email) && !onOfficialDomain(email, ctx.config.officialEmailDomains)) {
      out.add(index, SCHOOL_EMAIL_DOMAIN, '/officialEmail', { value: email });
    }
    const site = strField(rec['website']);
    if (site !== undefined && !isWebsite(site)) out.add(index, WEBSITE_FORMAT, '/website', { value: site });
  },
};
