/**
 * Who approved a report, as the signed forms name them (fix32a): the display name of the API client that approved
 * (`clients add --name`), or the operator's name of a CLI approval (`operator:cli:<name>`), and whether that name
 * is unique among truc's clients (when it is not, the forms print the actor id small beside it). Named where every
 * actor is (store/actor-names.ts, fix35a: a guard hold's decision names its admin the same way).
 */
import { actorName, type ActorName } from '../../store/actor-names.js';

export type Approver = ActorName;

/** The approver's name for `actor` (an API client id or `operator:cli:<name>`); undefined when truc knows none. */
export const approverOf = actorName;
