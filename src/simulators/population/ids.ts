/**
 * Identifiers of the synthetic population: 12-digit personal IDs (DOMAIN §3.1, layout PPP G YY NNNNNN)
 * and opaque school / student codes, all bijective in the record index so they never collide.
 */
import type { Sex } from '../../canonical/enums.js';
import { makePersonalId } from '../../canonical/personal-id.js';
import { hash3, weighted } from './prng.js';

/**
 * Birth-registration province (old 63-province codes, DOMAIN §3.1): mostly 079 (TP.HCM), then the
 * merged Bình Dương (074) and Bà Rịa–Vũng Tàu (077), then migrants' home provinces.
 */
export const BIRTH_PROVINCE = weighted(
  '079:780 074:60 077:40 080:20 040:15 038:12 052:10 083:10 082:8 089:8 094:7 092:6 001:6 046:4 087:4'
    .split(' ')
    .map((row) => {
      const [code, weight] = row.split(':');
      return [code as string, Number(weight)] as const;
    }),
);

/** Slots keep the sequence numbers of different record families apart within one birth year. */
export const ID_SLOT = { student: 0, studentOlder: 1, resident: 2, staff: 3, staffSenior: 4 } as const;
const SLOTS = 5;

const SEQ_MULTIPLIER = 386_437; // coprime with 10^6: x ↦ x·M + c is a bijection mod 10^6

/**
 * A 12-digit personal ID (built by the canonical `makePersonalId`). `rank` is the record's rank among
 * records of the same birth year and slot; IDs are unique while `rank < 200 000` per birth year and slot.
 */
export function personalIdOf(
  seed: number,
  ppp: string,
  sex: Sex,
  birthYear: number,
  rank: number,
  slot: number,
): string {
  const offset = hash3(seed, 0x1d, birthYear) % 1_000_000;
  const seq = (((((rank * SLOTS + slot) % 1_000_000) * SEQ_MULTIPLIER) % 1_000_000) + offset) % 1_000_000;
  return makePersonalId({ provinceCode3: ppp, sex, birthYear, serial: seq });
}

/** The personal ID with its sex digit flipped (male ↔ female), for the `wrong_sex_digit` discrepancy. */
export function flipSexDigit(personalId: string): string {
  const g = Number(personalId[3]);
  return `${personalId.slice(0, 3)}${g ^ 1}${personalId.slice(4)}`;
}

/** Modular inverse of a mod m (a, m coprime), by the extended Euclidean algorithm. */
function modInverse(a: number, m: number): number {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1, 0];
  while (r !== 0) {
    const q = Math.floor(oldR / r);
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

/** A bijection on [0, modulus) with its inverse: x ↦ (x·a + c) mod m. */
export function affinePermutation(modulus: number, multiplier: number, offset: number) {
  const m = BigInt(modulus);
  const a = BigInt(multiplier);
  const c = BigInt(offset % modulus);
  const inv = BigInt(modInverse(multiplier, modulus));
  return {
    forward: (x: number): number =>
      x * multiplier < Number.MAX_SAFE_INTEGER
        ? (x * multiplier + (offset % modulus)) % modulus
        : Number((BigInt(x) * a + c) % m),
    inverse: (y: number): number => Number((((((BigInt(y) - c) % m) + m) % m) * inv) % m),
  };
}
