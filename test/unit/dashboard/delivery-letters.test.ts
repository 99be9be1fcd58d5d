/**
 * vendor6 item 1: a school page's batch failed at a target named no dead letter to replay. Each delivery's letters
 * are links to the dead letters page showing that letter alone, `?id=` (fold6: it was their queue and code, which
 * listed every letter of them; a closed one with includeReplayed, where it is listed),
 * their message in the page's language as the title. dashboard/src/delivery-letters.ts.
 */
import { describe, expect, it } from 'vitest';
import { letterLinks } from '../../../dashboard/src/delivery-letters.js';

const letter = (id: number, errorCode: string, replayable: boolean) => ({
  ...{ id, errorCode, replayable },
  message: { vi: `việc lỗi ${id}`, en: `dead letter ${id}` },
});

describe('dashboard: a batch’s dead letters on its school’s page', () => {
  it('links each letter of each delivery to that letter alone, by its id (fold6: its queue and code listed others)', () => {
    const deliveries = [
      { system: 'hcm-csdl', state: 'pending' as const, errorCode: null, deadLetters: [] },
      {
        ...{ system: 'smas', state: 'failed' as const, errorCode: 'ERR_ADAPTER_REJECTED' },
        deadLetters: [letter(7, 'ERR_ADAPTER_REJECTED', true), letter(9, 'ERR_ADAPTER_FORBIDDEN', false)],
      },
    ];
    expect(letterLinks(deliveries, 'en')).toEqual([
      {
        href: '#/dead-letters?id=7',
        text: 'smas #7',
        title: 'dead letter 7',
      },
      {
        href: '#/dead-letters?id=9&includeReplayed=true',
        text: 'smas #9',
        title: 'dead letter 9',
      },
    ]);
    expect(letterLinks(deliveries, 'vi').map((l) => l.title)).toEqual(['việc lỗi 7', 'việc lỗi 9']);
    expect(letterLinks([], 'vi')).toEqual([]);
  });
});
