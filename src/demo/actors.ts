/**
 * Who takes part in the demo: the seeded population's first schools, two vendors (SMAS serves the
 * even-indexed schools, vnEdu the odd ones) and a city admin, each an API client with a token.
 */
import { addClient, type NewClient } from '../ops.js';
import { createPopulation, type Population } from '../simulators/population/index.js';
import { DEMO_POPULATION, DEMO_SCHOOLS } from '../simulators/index.js';
import { bearerFor, type AuthHeaders } from './http.js';
import type { DemoStack } from './stack.js';

export type Vendor = 'smas' | 'vnedu';

export interface DemoActors {
  pop: Population;
  /** The school code of the population's i-th school. */
  code: (i: number) => string;
  communes: string[];
  /** Demo-only clients; their secrets are printed by the summary (the dashboard's sign-in). */
  clients: Record<Vendor | 'admin' | 'auditor', NewClient>;
  auth: Record<Vendor | 'admin', AuthHeaders>;
}

export async function createDemoActors({ base, deps }: DemoStack): Promise<DemoActors> {
  const pop = createPopulation(DEMO_POPULATION);
  const schools = Array.from({ length: DEMO_SCHOOLS }, (_, i) => pop.school(i));
  const code = (i: number): string => schools[i]!.schoolCode;
  const vendor = (name: string, indexes: number[]) =>
    addClient(deps.db, { name, role: 'vendor', schools: indexes.map(code) }, 'demo', deps.now);
  const clients = {
    smas: await vendor('SMAS (demo)', [0, 2, 4]),
    vnedu: await vendor('vnEdu (demo)', [1, 3, 5]),
    admin: await addClient(deps.db, { name: 'Sở GDĐT IT (demo)', role: 'city-admin' }, 'demo', deps.now),
    auditor: await addClient(deps.db, { name: 'Thanh tra (demo)', role: 'auditor' }, 'demo', deps.now),
  };
  const auth = {
    smas: await bearerFor(base, clients.smas),
    vnedu: await bearerFor(base, clients.vnedu),
    admin: await bearerFor(base, clients.admin),
  };
  return { pop, code, communes: [...new Set(schools.map((s) => s.communeCode))], clients, auth };
}
