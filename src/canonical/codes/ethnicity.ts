/** Ethnicity code list: the 54 groups plus foreigner and unknown, codes '01'..'56' (DOMAIN §3.4). */
import { defineCodeList, type CodeEntry } from './code-list.js';

/** An ethnicity code, '01'..'56'. */
export type EthnicityCode = string;

/** [code, labelVi (portal spelling), labelEn, other spellings]. */
type Row = readonly [string, string, string, readonly string[]];

const ROWS: readonly Row[] = [
  ['01', 'Kinh', 'Kinh', ['Việt', 'Người Kinh']],
  ['02', 'Tày', 'Tay', []],
  ['03', 'Thái', 'Thai', []],
  ['04', 'Hoa', 'Hoa (ethnic Chinese)', ['Người Hoa']],
  ['05', 'Khơ-me', 'Khmer', ['Khmer', 'Khơ Me', 'Khơme', 'Khmer Krom', 'Khơ-me Krôm']],
  ['06', 'Mường', 'Muong', []],
  ['07', 'Nùng', 'Nung', []],
  ['08', "H'Mông", 'Hmong', ['Mông', 'Hmong', 'H’Mông', 'H Mông']],
  ['09', 'Dao', 'Dao', ['Yao']],
  ['10', 'Gia-rai', 'Jarai', ['Gia Rai', 'Jrai', 'Jarai']],
  ['11', 'Ngái', 'Ngai', []],
  ['12', 'Ê-đê', 'Ede', ['Ê Đê', 'Êđê', 'Ede', 'Rhade', 'Ra Đê']],
  ['13', 'Ba na', 'Bahnar', ['Bana', 'Ba-na', 'Bahnar']],
  ['14', 'Xơ-Đăng', 'Sedang', ['Xơ Đăng', 'Sedang', 'Xê Đăng']],
  ['15', 'Sán Chay', 'San Chay', ['Cao Lan', 'Sán Chỉ', 'Cao Lan-Sán Chỉ']],
  ['16', 'Cơ-ho', 'Koho', ['Cơ Ho', "K'Ho", 'Koho']],
  ['17', 'Chăm', 'Cham', ['Chàm']],
  ['18', 'Sán Dìu', 'San Diu', []],
  ['19', 'Hrê', 'Hre', ["H're"]],
  ['20', 'Mnông', 'Mnong', ["M'Nông", 'Mơ Nông']],
  ['21', 'Ra-glai', 'Raglai', ['Ra Glai']],
  ['22', 'Xtiêng', 'Stieng', ['Stiêng', "X'Tiêng"]],
  ['23', 'Bru-Vân Kiều', 'Bru-Van Kieu', ['Bru', 'Vân Kiều']],
  ['24', 'Thổ', 'Tho', []],
  ['25', 'Giáy', 'Giay', []],
  ['26', 'Cơ-tu', 'Katu', ['Cơ Tu', 'Katu', 'Ca Tu']],
  ['27', 'Giẻ Triêng', 'Gie Trieng', ['Gié Triêng']],
  ['28', 'Mạ', 'Ma', []],
  ['29', 'Khơ-mú', 'Khmu', ['Khơ Mú', 'Khmu', "Kh'mu"]],
  ['30', 'Co', 'Co', ['Cor']],
  ['31', 'Tà-ôi', 'Ta Oi', ['Tà Ôi', "Ta'Oi"]],
  ['32', 'Chơ-ro', 'Cho Ro', ['Chơ Ro', 'Chro']],
  ['33', 'Kháng', 'Khang', []],
  ['34', 'Xinh-mun', 'Xinh Mun', []],
  ['35', 'Hà Nhì', 'Ha Nhi', []],
  ['36', 'Chu ru', 'Churu', ['Chu-ru']],
  ['37', 'Lào', 'Lao', []],
  ['38', 'La Chí', 'La Chi', []],
  ['39', 'La Ha', 'La Ha', []],
  ['40', 'Phù Lá', 'Phu La', []],
  ['41', 'La Hủ', 'La Hu', []],
  ['42', 'Lự', 'Lu', ['Lữ']],
  ['43', 'Lô Lô', 'Lo Lo', []],
  ['44', 'Chứt', 'Chut', []],
  ['45', 'Mảng', 'Mang', []],
  ['46', 'Pà Thẻn', 'Pa Then', []],
  ['47', 'Cơ Lao', 'Co Lao', []],
  ['48', 'Cống', 'Cong', []],
  ['49', 'Bố Y', 'Bo Y', []],
  ['50', 'Si La', 'Si La', []],
  ['51', 'Pu Péo', 'Pu Peo', []],
  ['52', 'Brâu', 'Brau', []],
  ['53', 'Ơ Đu', 'O Du', []],
  ['54', 'Rơ măm', 'Ro Mam', []],
  ['55', 'Người nước ngoài', 'Foreigner', ['Nước ngoài', 'foreign']],
  ['56', 'Không rõ', 'Unknown', ['Không xác định', 'Chưa rõ']],
];

function entryOfRow([code, labelVi, labelEn, aliases]: Row): CodeEntry<EthnicityCode> {
  const numeric = String(Number(code));
  const extra = numeric === code ? [] : [numeric];
  return { code, labelVi, labelEn, aliases: [...extra, ...aliases] };
}

/**
 * Ethnicity. Codes, order and Vietnamese spellings: national public-service portal forms (GSO order),
 * DOMAIN.md §3.4 [T]. Aliases: other spellings seen across systems, and the code without its leading zero.
 * A blank ethnicity on a PCGD survey form means Kinh (DOMAIN §2.4): that default belongs in the mapping.
 */
export const ETHNICITY_CODE_LIST = defineCodeList<EthnicityCode>({
  id: 'ethnicity',
  version: '2025.1',
  effectiveFrom: '2025-01-01',
  source:
    'National public-service portal form code list, GSO order (DOMAIN.md §3.4, [T]); aliases and English ' +
    'labels: truc.',
  entries: ROWS.map(entryOfRow),
});

/** Ethnicity code of Kinh. */
export const ETHNICITY_KINH = '01';
/** Ethnicity code for foreigners. */
export const ETHNICITY_FOREIGNER = '55';
/** Ethnicity code for unknown. */
export const ETHNICITY_UNKNOWN = '56';
