/**
 * Who approved a report, as the signed forms name them (fix32a): the display name of the API client that approved
 * (`clients add --name`), or the operator's name of a CLI approval (`operator:cli:<name>`), and whether that name
 * is unique among truc's clients (when it is not, the forms print the actor id small beside it).
 */
import type { Queryable } from '../../store/db.js';
import { createClientsRepo } from '../../store/clients.js';

export interface Approver {
  /** The client's display name, or the CLI operator's name. */
  name: string;
  /** No other client bears the name: the name alone says who. */
  unique: boolean;
}

const OPERATOR = 'operator:cli:';

/** The approver's name for `actor` (an API client id or `operator:cli:<name>`); undefined when truc knows none. */
export async function approverOf(q: Queryable, actor: string): Promise<Approver | undefined> {
  const clients = createClientsRepo(q);
  if (actor.startsWith(OPERATOR)) {
    const name = actor.slice(OPERATOR.length);
    return name === '' ? undefined : { name, unique: (await clients.countNamed(name)) === 0 };
  }
  const client = await clients.get(actor);
  if (!client) return undefined;
  return { name: client.name, unique: (await clients.countNamed(client.name)) === 1 };
}
