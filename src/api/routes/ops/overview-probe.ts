/**
 * What the operations overview foresees for a system whose circuit is probing (gates3 item 3): what a failure of the
 * probe will do, by the delivery gate's own rules (src/jobs/gate-view.ts `probeFailureForeseen`), in both languages.
 * The overview said the circuit was half-open and who opened it (`openedBy`), and its description promised a hand-over
 * to the one endpoint that opened it, which refused credentials never get: what the operator needs is whether truc
 * retries by itself or a city admin must fix truc's credentials.
 */
import { z } from 'zod';
import { probeFailureForeseen } from '../../../jobs/gate-view.js';
import type { Config } from '../../../config.js';
import type { GateState } from '../../../store/delivery-gates.js';

/**
 * Who probes a system's circuit (the delivery gate's `probe_by`, gates5); null: not recorded, or no probe out (its
 * lease ran out: words6 item 5b).
 */
export const ProbeByShown = z.object({ caller: z.string(), process: z.string() }).nullable();

export const ProbeFails = z
  .object({
    outcome: z.enum(['retried', 'city-admin', 'handed-over']).meta({
      description:
        'retried: truc tự thử lại sau khi cầu dao mở lại; city-admin: hệ thống từ chối thông tin đăng nhập của truc, ' +
        'thử lại cũng hỏng đến khi quản trị thành phố sửa chúng (không bao giờ giao cho cầu dao riêng của một điểm ' +
        'nhận); handed-over: lần thử hỏng để lại một mình điểm nhận handsOverTo trong số bên mở cầu dao, nên ở lần ' +
        'thử sau việc ghi tới nó chờ trên cầu dao riêng và bên gọi khác thử hệ thống ' +
        "/ retried: truc probes again by itself once the circuit's pause is over; city-admin: the system refused " +
        "truc's credentials, every probe fails until a city admin fixes them (never handed over to one endpoint's own " +
        "circuit); handed-over: the failed probe leaves the endpoint handsOverTo alone among the circuit's openers, " +
        'so at the next probe its writes wait on a circuit of their own and another caller probes the system',
    }),
    openedFor: z.enum(['credentials', 'outage']).meta({
      description:
        'loại lỗi đã mở (hoặc mở lại) cầu dao: thông tin đăng nhập bị từ chối (401) hay hệ thống hỏng / the kind of ' +
        'failure that opened the circuit, or last reopened it: refused credentials (a 401) or an outage',
    }),
    reopensForSeconds: z
      .number()
      .int()
      .meta({
        description:
          'cầu dao mở lại bao lâu trước lần thử kế tiếp (gấp đôi mỗi lần, tối đa maxOpenMs; 429: bằng Retry-After) / ' +
          'how long the circuit opens again before the next probe (doubled each time, up to maxOpenMs; a 429: its ' +
          'Retry-After)',
      }),
    probeBy: ProbeByShown.meta({
      description:
        'ai đang thử: bên gọi (điểm nhận như students:upsert, việc đọc students:read, writes/reads) và tiến trình ' +
        'truc (máy:pid); null khi không ghi lại hoặc lần thử đã hết hạn / who probes: the caller (an endpoint such ' +
        'as students:upsert, a read of students:read, writes/reads) and the truc process (host:pid); null when not ' +
        'recorded, or when its lease ran out (the next call probes)',
    }),
    handsOverTo: z
      .string()
      .nullable()
      .meta({
        description:
          'điểm nhận được giao cầu dao nếu lần thử hỏng (outcome handed-over); null nếu không / the endpoint the ' +
          'circuit is handed over to if the probe fails (outcome handed-over); null otherwise',
      }),
    message: z.object({ vi: z.string(), en: z.string() }),
  })
  .nullable()
  .meta({
    description:
      'khi cầu dao của hệ thống đang thử (half-open): điều xảy ra nếu lần thử thất bại; null khi không thử / while ' +
      "the system's circuit is probing (half-open): what happens if the probe fails; null while it is not probing",
  });

/** The overview's `ifProbeFails` of a system's gate (null: no gate, or its circuit not probing). */
export function ifProbeFailsOf(
  system: string,
  gate: GateState | undefined,
  delivery: Pick<
    Config['sync']['delivery'],
    'openMs' | 'maxOpenMs' | 'failureThreshold' | 'endpointCircuits'
  >,
  at: Date,
): z.infer<typeof ProbeFails> {
  const foreseen = gate ? probeFailureForeseen(gate, delivery, at) : null;
  if (!foreseen) return null;
  const seconds = Math.ceil(foreseen.reopensForMs / 1000);
  const again = {
    vi: `Nếu lần thử thất bại, cầu dao mở lại ${seconds} giây rồi truc thử lại`,
    en: `If the probe fails, the circuit opens again for ${seconds} s, then truc probes again`,
  };
  const to = foreseen.handsOverTo;
  const message =
    to !== null
      ? {
          vi: `Nếu lần thử thất bại, cầu dao mở lại ${seconds} giây; rồi việc ghi tới ${to} chờ trên cầu dao riêng của nó và một lần gọi khác thử ${system}, tự động; không cần ai làm gì`,
          en: `If the probe fails, the circuit opens again for ${seconds} s; then ${to}'s writes wait on a circuit of their own and another call probes ${system}, by itself; nothing to do`,
        }
      : foreseen.outcome === 'city-admin'
        ? {
            vi: `${again.vi}; nhưng ${system} đã từ chối thông tin đăng nhập của truc: lần thử sẽ hỏng đến khi quản trị thành phố sửa chúng (client secret của ${system} trong cấu hình, rồi khởi động lại truc)`,
            en: `${again.en}; but ${system} refused truc's credentials: every probe fails until a city admin fixes them (${system}'s client secret in the configuration, then restart truc)`,
          }
        : {
            vi: `${again.vi}, tự động; không cần ai làm gì`,
            en: `${again.en}, by itself; nothing to do`,
          };
  const { outcome, openedFor, probeBy } = foreseen;
  return { outcome, openedFor, reopensForSeconds: seconds, probeBy, handsOverTo: to, message };
}
