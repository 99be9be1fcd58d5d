/**
 * Who did something, by name (fix35a, review33c N6): the one place an actor id becomes the name lists show. An actor
 * is an API client's id (its display name, `clients add --name`) or a CLI operator's `operator:cli:<name>` (the
 * name); any other actor (`schedule:<name>`, `system`) has no name here. A client's name never holds a personal ID or
 * phone number (canonical/free-text.ts refuses them), so a name may be shown and audited.
 */
import { createClientsRepo } from './clients.js';
import type { Queryable } from './db.js';

/** The actor prefix of a CLI operator (cli/kit.ts `operatorActor`). */
export const OPERATOR_ACTOR = 'operator:cli:';

export interface ActorName {
  /** The client's display name, or the CLI operator's name. */
  name: string;
  /** No other client bears the name: the name alone says who. */
  unique: boolean;
}

/**
 * SQL: the name of the actor id `column` holds, read now (a CLI operator's name, an API client's display name), or
 * NULL when truc knows none. The statement form of {@link actorName}, for a write that keeps the name beside the id.
 */
export const actorNameSql = (column: string): string =>
  `CASE WHEN ${column} LIKE '${OPERATOR_ACTOR}_%' THEN substr(${column}, ${OPERATOR_ACTOR.length + 1})
        ELSE (SELECT c.name FROM truc.api_clients c WHERE c.id = ${column}) END`;

/**
 * SQL: an actor kept by id (`idColumn`) and by name as it was then (`nameColumn`, written with {@link actorNameSql}), as
 * lists show it: `"<as>"` the name, else the id (an actor truc knew no name of, a row kept before its name was); and
 * `"<as>Id"` the id. A sync run's asker, a school system's setter, a quality run's asker, a dead letter's replayer.
 */
export const namedActorColumns = (idColumn: string, nameColumn: string, as: string): string =>
  `COALESCE(${nameColumn}, ${idColumn}) AS "${as}", ${idColumn} AS "${as}Id"`;

/** The name of `actor` and whether it is unique among truc's clients; undefined when truc knows none. */
export async function actorName(q: Queryable, actor: string): Promise<ActorName | undefined> {
  const clients = createClientsRepo(q);
  if (actor.startsWith(OPERATOR_ACTOR)) {
    const name = actor.slice(OPERATOR_ACTOR.length);
    return name === '' ? undefined : { name, unique: (await clients.countNamed(name)) === 0 };
  }
  const client = await clients.get(actor);
  if (!client) return undefined;
  return { name: client.name, unique: (await clients.countNamed(client.name)) === 1 };
}
