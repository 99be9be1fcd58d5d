/**
 * The city database's simulator (hcm-csdl) as truc's tests start it: with the credentials the test
 * profile (config/test.yaml) gives truc, one school of one student and one staff member unless told.
 */
import {
  startHcmCsdlSimulator,
  type HcmCsdlSimulator,
  type HcmCsdlSimulatorOptions,
} from '../../src/simulators/hcm-csdl/simulator.js';

/** The credentials the test profile gives truc for the city database. */
export const CITY_SIM_CLIENT = { clientId: 'truc-test', clientSecret: 'test-secret-hcm-csdl' } as const;

export function startCitySimulator(
  opts: Pick<HcmCsdlSimulatorOptions, 'seed'> & Partial<HcmCsdlSimulatorOptions>,
): Promise<HcmCsdlSimulator> {
  return startHcmCsdlSimulator({
    schools: 1,
    studentsPerSchool: 1,
    staffPerSchool: 1,
    ...CITY_SIM_CLIENT,
    ...opts,
  });
}
