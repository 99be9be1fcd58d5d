/**
 * Names shared by the settings and by the whole code base: external systems, canonical entities, PCGD-XMC
 * levels and units. A section of the configuration (src/config.ts re-exports them); it imports nothing.
 */

/** The external systems truc talks to, by the name used in config, env prefixes, queues and the API. */
export const SYSTEM_NAMES = ['hcm-csdl', 'moet-pcgd', 'smas', 'vnedu'] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/**
 * The canonical entities, by the name used in the API, jobs, the store and config, in dependency
 * order (schools before classes before students …). Their schemas are in src/canonical/entities.ts.
 */
export const ENTITY_NAMES = ['schools', 'classes', 'students', 'staff', 'persons'] as const;
export type EntityName = (typeof ENTITY_NAMES)[number];

/** Level names of the PCGD-XMC rule set (PCGD-RULES.md §3); province shares are set per level. */
export const PCGD_LEVELS = [
  'preschool5',
  'primary_level1',
  'primary_level2',
  'primary_level3',
  'literacy_level1',
  'literacy_level2',
  'lower_secondary_level1',
  'lower_secondary_level2',
  'lower_secondary_level3',
] as const;
export type PcgdLevelName = (typeof PCGD_LEVELS)[number];
/** The units PCGD-XMC figures are made for: a commune or a province (no districts after 1 July 2025). */
export type UnitLevel = 'commune' | 'province';
