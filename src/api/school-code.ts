/**
 * What a school code in a path or a query is (the canonical model's, src/canonical/primitives.ts opaqueCode(32)): its
 * longest length and the words of a code that is not one, for the routes' SchoolCode (./batch-contract.ts) and the
 * auth plugin's early tenancy check (./plugins/auth.ts), which refuses an ill-formed code 400 before a 403.
 */
export const SCHOOL_CODE_MAX = 32;
export const SCHOOL_CODE_MESSAGE = 'mã trường không hợp lệ / invalid school code';
