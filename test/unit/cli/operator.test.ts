/**
 * Who a CLI command acts as, for the audit log (issue 7: every CLI decision was audited as `operator:cli`,
 * so the audit could not say who approved a hold or replayed a letter): `operator:cli:<name>`, the name from
 * `--as`, else TRUC_OPERATOR, else the OS user's login name. A name that is empty or could be read two ways
 * (a space, a colon, a slash, a control character) is bad usage in Vietnamese and English.
 */
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { operatorActor, UsageError } from '../../../src/cli/kit.js';

const noUser = () => {
  throw new Error('ENOENT: no such user');
};

describe('operatorActor', () => {
  it('--as, else TRUC_OPERATOR, else the OS user', () => {
    expect(operatorActor('lan.pham', { TRUC_OPERATOR: 'admin.q1' }, () => 'root')).toBe(
      'operator:cli:lan.pham',
    );
    expect(operatorActor(undefined, { TRUC_OPERATOR: 'admin.q1' }, () => 'root')).toBe(
      'operator:cli:admin.q1',
    );
    expect(operatorActor(undefined, {}, () => 'truc-ops_1')).toBe('operator:cli:truc-ops_1');
    expect(operatorActor(undefined, {})).toBe(`operator:cli:${userInfo().username}`);
  });

  it('refuses an empty or hostile name, saying where it came from, in both languages', () => {
    for (const bad of ['', ' ', 'a b', 'a:b', 'a/b', '.hidden', 'x\u001b[2J', 'x'.repeat(65), 'Nguyễn']) {
      expect(() => operatorActor(bad, {}, () => 'root'), bad).toThrow(UsageError);
      expect(() => operatorActor(undefined, { TRUC_OPERATOR: bad }, () => 'root'), bad).toThrow(
        /^TRUC_OPERATOR ".*" không dùng được: .* \/ TRUC_OPERATOR ".*" is not usable: an operator's name/,
      );
    }
    // a hostile value is quoted without its control characters
    expect(() => operatorActor('x\u001b[2J', {}, () => 'root')).toThrow('"x?[2J"');
    expect(() => operatorActor(undefined, {}, () => 'DOMAIN\\user')).toThrow(
      /the OS user name \(set --as <name> or TRUC_OPERATOR\) "DOMAIN\\user" is not usable/,
    );
  });

  // review35b F1: the actor is kept for good in the hash-chained audit log (and in logs): a name that is a personal
  // ID, an old ID card number or a phone number is refused as free text is (review33b), without echoing it.
  it('refuses a name that is a personal ID or a phone number, from --as, TRUC_OPERATOR or the OS, never echoing it', () => {
    for (const bad of ['079201001234', '0912345678', '84912345678', 'ops.0912345678', '123456789']) {
      for (const call of [
        () => operatorActor(bad, {}, () => 'root'),
        () => operatorActor(undefined, { TRUC_OPERATOR: bad }, () => 'root'),
        () => operatorActor(undefined, {}, () => bad),
      ]) {
        let message = '';
        try {
          call();
        } catch (err) {
          expect(err, bad).toBeInstanceOf(UsageError);
          message = (err as Error).message;
        }
        expect(message, bad).toMatch(/số định danh cá nhân.* \/ .*personal ID/);
        expect(message, bad).not.toContain(bad);
      }
    }
    // ordinary names with a few digits still act
    expect(operatorActor('admin.q1', {}, () => 'root')).toBe('operator:cli:admin.q1');
    expect(operatorActor('ops-79000701', {}, () => 'root')).toBe('operator:cli:ops-79000701');
  });

  it('a process whose user has no login name must say who acts', () => {
    expect(() => operatorActor(undefined, {}, noUser)).toThrow(
      'không biết tên người dùng hệ điều hành: cho biết bạn là ai bằng --as <tên> hoặc TRUC_OPERATOR / ' +
        'the OS user has no login name: say who acts with --as <name> or TRUC_OPERATOR',
    );
  });
});
