/**
 * A school page's batch that failed at a target says which dead letter to replay (vendor6 item 1): each of its
 * deliveries' letters (GET /v1/ops/schools/{code} `batches[].deliveries[].deadLetters`) as a link to the dead letters
 * page showing that letter alone (`#/dead-letters?id=N`, GET /v1/dead-letters?id=: fold6; its queue and code listed
 * every letter of them), where a city admin replays it; its message, in the page's language, as the
 * link's title. Pure (no DOM), so unit-tested: test/unit/dashboard/delivery-letters.test.ts.
 */
import type { SchoolDetail } from './api-types.js';

/** The page's language (i18n.ts Lang; not imported, as in figures.ts: i18n.ts reads the DOM, this is tested in Node). */
type Lang = 'vi' | 'en';

type Delivery = SchoolDetail['batches'][number]['deliveries'][number];

export interface LetterLink {
  href: string;
  text: string;
  title: string;
}

/**
 * The links to a batch's deliveries' dead letters, target by target: to `#/dead-letters` of that letter's id
 * (closed letters are listed only with `includeReplayed`), `<system> #<id>`, its message as the title.
 */
export function letterLinks(deliveries: readonly Delivery[], lang: Lang): LetterLink[] {
  return deliveries.flatMap((d) =>
    d.deadLetters.map((l) => {
      const q = new URLSearchParams({ id: String(l.id) });
      if (!l.replayable) q.set('includeReplayed', 'true');
      return { href: `#/dead-letters?${q.toString()}`, text: `${d.system} #${l.id}`, title: l.message[lang] };
    }),
  );
}
