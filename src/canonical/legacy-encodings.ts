/**
 * The two legacy 8-bit Vietnamese encodings whose mojibake truc repairs (see ./vietnamese.ts): VNI-Windows
 * and TCVN3 (ABC), as text typed with their fonts and read back as Windows-1252. Decoders for the repair,
 * encoders for tests and defect generators.
 *
 * Tables: VNI-Windows and TCVN3 code points as published by the xvnkb / Unikey keyboard projects
 * (VNI: base letter + one modifier character; TCVN3: one byte per precomposed lower-case letter, the
 * seven upper-case base letters Ă Â Ê Ô Ơ Ư Đ at 0xA1–0xA7). TCVN3's upper-case toned letters sit in
 * the C1 control range, which Windows-1252 does not carry through, so they are not repaired.
 */

// --- TCVN3 (ABC) -------------------------------------------------------------------------------------

/** TCVN3 byte (as the Windows-1252 character it shows as) → the Vietnamese letter it encodes. */
const TCVN3: ReadonlyMap<string, string> = new Map(
  // base letters with a shape mark
  (
    '¨ă ©â ªê «ô ¬ơ \u00adư ®đ ¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ ' +
    // a ă â with tones (acute, grave, hook, tilde, dot)
    '¸á µà ¶ả ·ã ¹ạ ¾ắ »ằ ¼ẳ ½ẵ Æặ Êấ Çầ Èẩ Éẫ Ëậ ' +
    // e ê
    'Ðé Ìè Îẻ Ïẽ Ñẹ Õế Òề Óể Ôễ Öệ ' +
    // i
    'Ýí ×ì Øỉ Üĩ Þị ' +
    // o ô ơ
    'ãó ßò áỏ âõ äọ èố åồ æổ çỗ éộ íớ êờ ëở ìỡ îợ ' +
    // u ư
    'óú ïù ñủ òũ ôụ øứ õừ öử ÷ữ ùự ' +
    // y
    'ýý úỳ ûỷ üỹ þỵ'
  )
    .split(' ')
    .map((pair) => [pair[0]!, pair[1]!] as const),
);

/** Characters that only TCVN3 mojibake puts in a name or an address: symbols, not letters. */
export const TCVN3_SYMBOLS = /[¨©ª«¬\u00ad®¡¢£¤¥¦§¸µ¶·¹¾»¼½]/u;

/** Characters a correct Vietnamese text never holds: TCVN3 symbols and Latin-1 letters Vietnamese does not use. */
export const RESIDUE = /[¨©ª«¬\u00ad®¡-§¸µ¶·¹¾»¼½ÄÅÆÇËÎÏÑÖØÛÜßäåæçëîïñöøûüÿÐÞþ×÷]/u;

export function decodeTcvn3(s: string): string {
  let out = '';
  for (const ch of s) out += TCVN3.get(ch) ?? ch;
  return out;
}

// --- VNI-Windows -------------------------------------------------------------------------------------

const VNI_TONE: Readonly<Record<string, number>> = { ù: 0, ø: 1, û: 2, õ: 3, ï: 4 };
const VNI_CIRCUMFLEX: Readonly<Record<string, number>> = { á: 0, à: 1, å: 2, ã: 3, ä: 4 };
const VNI_BREVE: Readonly<Record<string, number>> = { é: 0, è: 1, ú: 2, ü: 3, ë: 4 };
/** Tones in VNI order (acute, grave, hook, tilde, dot) as combining marks. */
const TONE_COMBINING = ['\u0301', '\u0300', '\u0309', '\u0303', '\u0323'] as const;
const VNI_SINGLE: ReadonlyMap<string, string> = new Map([
  ['ñ', 'đ'],
  ['í', 'í'],
  ['ì', 'ì'],
  ['æ', 'ỉ'],
  ['ó', 'ĩ'],
  ['ò', 'ị'],
  ['î', 'ỵ'],
]);

function toned(base: string, tone: number | undefined): string {
  return tone === undefined ? base : (base + TONE_COMBINING[tone]!).normalize('NFC');
}

/** The VNI letter starting at `chars[i]`, with how many characters it used; undefined when none. */
function vniLetter(chars: readonly string[], i: number): { letter: string; used: number } | undefined {
  const c = chars[i]!;
  const lower = c.toLowerCase();
  const upper = c !== lower;
  const m1 = chars[i + 1]?.toLowerCase();
  const m2 = chars[i + 2]?.toLowerCase();
  const caseOf = (s: string): string => (upper ? s.toUpperCase() : s);
  if (lower === 'ô' || lower === 'ö') {
    const base = lower === 'ô' ? 'ơ' : 'ư';
    const tone = m1 === undefined ? undefined : VNI_TONE[m1];
    return { letter: caseOf(toned(base, tone)), used: tone === undefined ? 1 : 2 };
  }
  if (!'aeouy'.includes(lower) || m1 === undefined) return undefined;
  if (m1 === 'â' && 'aeo'.includes(lower)) {
    const base = { a: 'â', e: 'ê', o: 'ô' }[lower as 'a' | 'e' | 'o'];
    const tone = m2 === undefined ? undefined : VNI_TONE[m2];
    return { letter: caseOf(toned(base, tone)), used: tone === undefined ? 2 : 3 };
  }
  if (m1 in VNI_CIRCUMFLEX && 'aeo'.includes(lower)) {
    const base = { a: 'â', e: 'ê', o: 'ô' }[lower as 'a' | 'e' | 'o'];
    return { letter: caseOf(toned(base, VNI_CIRCUMFLEX[m1])), used: 2 };
  }
  if (lower === 'a' && m1 === 'ê') {
    const tone = m2 === undefined ? undefined : VNI_TONE[m2];
    return { letter: caseOf(toned('ă', tone)), used: tone === undefined ? 2 : 3 };
  }
  if (lower === 'a' && m1 in VNI_BREVE) return { letter: caseOf(toned('ă', VNI_BREVE[m1])), used: 2 };
  if (m1 in VNI_TONE) return { letter: caseOf(toned(lower, VNI_TONE[m1])), used: 2 };
  return undefined;
}

export function decodeVni(s: string): string {
  const chars = [...s];
  let out = '';
  for (let i = 0; i < chars.length;) {
    const c = chars[i]!;
    const letter = vniLetter(chars, i);
    if (letter) {
      out += letter.letter;
      i += letter.used;
      continue;
    }
    const single = VNI_SINGLE.get(c.toLowerCase());
    out += single === undefined ? c : c === c.toLowerCase() ? single : single.toUpperCase();
    i += 1;
  }
  return out;
}
/** Unicode Vietnamese → VNI-Windows mojibake, for tests and defect generators. */
export function toVniMojibake(s: string): string {
  const tone = (m: string): string => ['ù', 'ø', 'û', 'õ', 'ï'][TONE_COMBINING.indexOf(m as never)] ?? '';
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const lower = ch.toLowerCase();
    const upper = ch !== lower;
    const nfd = lower.normalize('NFD');
    const t = [...nfd].find((m) => TONE_COMBINING.includes(m as never));
    const base = (t ? nfd.replace(t, '') : nfd).normalize('NFC');
    let enc: string;
    if (lower === 'đ') enc = 'ñ';
    else if (base === 'i')
      enc = t
        ? ({ '\u0301': 'í', '\u0300': 'ì', '\u0309': 'æ', '\u0303': 'ó', '\u0323': 'ò' }[t] ?? 'i')
        : 'i';
    else if (base === 'y' && t === '\u0323') enc = 'î';
    else if (base === 'â' || base === 'ê' || base === 'ô') {
      const b = base === 'â' ? 'a' : base === 'ê' ? 'e' : 'o';
      enc = t ? b + ['á', 'à', 'å', 'ã', 'ä'][TONE_COMBINING.indexOf(t as never)]! : `${b}â`;
    } else if (base === 'ă')
      enc = t ? `a${['é', 'è', 'ú', 'ü', 'ë'][TONE_COMBINING.indexOf(t as never)]!}` : 'aê';
    else if (base === 'ơ') enc = `ô${t ? tone(t) : ''}`;
    else if (base === 'ư') enc = `ö${t ? tone(t) : ''}`;
    else enc = t ? base + tone(t) : base;
    out += upper ? enc.toUpperCase() : enc;
  }
  return out;
}

/** Unicode Vietnamese (lower case, plus the seven upper-case base letters) → TCVN3 mojibake, for tests and defect generators. */
export function toTcvn3Mojibake(s: string): string {
  const reverse = new Map([...TCVN3].map(([k, v]) => [v, k]));
  let out = '';
  for (const ch of s.normalize('NFC')) out += reverse.get(ch) ?? reverse.get(ch.toLowerCase()) ?? ch;
  return out;
}
