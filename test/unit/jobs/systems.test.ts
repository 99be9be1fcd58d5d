/**
 * src/canonical/systems.ts is the one table of what each system serves: every entity it says can be
 * pulled has an inbound mapping, every entity it says truc delivers has an outbound one, every native
 * vendor format has a wire schema to check pushes against, and the API's batch formats come from it.
 */
import { describe, expect, it } from 'vitest';
import { HCM_CSDL_ENTITIES } from '../../../src/adapters/hcm-csdl/schema.js';
import { BATCH_FORMATS, SYSTEMS, VENDOR_ENTITIES } from '../../../src/canonical/systems.js';
import { SYSTEM_NAMES } from '../../../src/config.js';
import { NATIVE_INBOUND } from '../../../src/jobs/native-formats.js';
import { buildTargets, routingFor } from '../../../src/jobs/targets.js';
import type { SystemAdapters } from '../../../src/jobs/adapters.js';
import { HCM_CSDL_MAPPINGS } from '../../../src/mappings/hcm-csdl/index.js';

describe('the systems table', () => {
  it('every pulled entity has an inbound mapping of that system', () => {
    for (const system of SYSTEM_NAMES) {
      for (const entity of SYSTEMS[system].pull) {
        expect(NATIVE_INBOUND[system]?.[entity], `${system} ${entity}`).toBeDefined();
      }
    }
  });

  it('every vendor format has a mapping and a wire schema for each of its entities', () => {
    for (const system of SYSTEM_NAMES) {
      for (const entity of SYSTEMS[system].vendorFormat) {
        expect(NATIVE_INBOUND[system]?.[entity]?.wire, `${system} ${entity}`).toBeDefined();
        expect(VENDOR_ENTITIES).toContain(entity);
      }
    }
    expect(BATCH_FORMATS).toEqual(['canonical', 'smas', 'vnedu']);
  });

  it('every entity delivered to hcm-csdl has an outbound mapping and a wire endpoint', () => {
    for (const entity of SYSTEMS['hcm-csdl'].push) {
      const mapping = HCM_CSDL_MAPPINGS[entity as keyof typeof HCM_CSDL_MAPPINGS];
      expect(mapping?.fromCanonical, entity).toBeTypeOf('function');
      expect(HCM_CSDL_ENTITIES as readonly string[]).toContain(entity);
    }
  });

  it('every entity delivered to a school system has an outbound mapping of that system', () => {
    for (const system of ['smas', 'vnedu'] as const) {
      expect(SYSTEMS[system].push.length, system).toBeGreaterThan(0);
      for (const entity of SYSTEMS[system].push) {
        const mapping = NATIVE_INBOUND[system]?.[entity]?.mapping;
        expect(mapping?.fromCanonical, `${system} ${entity}`).toBeTypeOf('function');
      }
    }
  });

  it("a school's own system hears the city's changes only, never a vendor's; no system hears its own", () => {
    // The targets as the worker builds them; no call is made.
    const adapters = { 'hcm-csdl': {}, smas: {}, vnedu: {} } as unknown as SystemAdapters;
    const targets = buildTargets(adapters, { now: () => new Date() });
    expect(targets.smas?.servedSchoolsOnly).toBe(true);
    expect(targets['hcm-csdl']?.servedSchoolsOnly).toBeUndefined();
    const routes = routingFor(targets);
    expect(routes('students', 'hcm-csdl')).toEqual(['smas', 'vnedu']);
    expect(routes('students', 'smas')).toEqual(['hcm-csdl']);
    expect(routes('students', 'vnedu')).toEqual(['hcm-csdl']);
    expect(routes('students', 'canonical')).toEqual(['hcm-csdl']);
    expect(routes('schools', 'hcm-csdl')).toEqual([]);
  });
});
