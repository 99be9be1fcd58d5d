/**
 * The layers of ../shared/DESIGN.md §6, top to bottom: read by .dependency-cruiser.cjs (which generates
 * its rules from this table) and by test/unit/layers.test.ts (which checks the README's table against it).
 */
/** Top to bottom. `path` is matched against the source path relative to the repository root. */
exports.LAYERS = [
  { name: 'cli', path: '^src/(main\\.ts$|cli/)' },
  { name: 'roles', path: '^src/(roles|demo|ops)(\\.ts$|/)' },
  { name: 'deps', path: '^src/deps\\.ts$' },
  { name: 'app', path: '^src/app\\.ts$' },
  { name: 'api', path: '^src/api/' },
  { name: 'jobs', path: '^src/jobs/' },
  { name: 'reporting', path: '^src/reporting/' },
  { name: 'quality', path: '^src/quality/' },
  { name: 'mappings', path: '^src/mappings/' },
  { name: 'adapters', path: '^src/adapters/' },
  { name: 'simulators', path: '^src/simulators/' },
  { name: 'canonical', path: '^src/canonical/' },
  { name: 'audit', path: '^src/audit/' },
  { name: 'store', path: '^src/store/' },
  { name: 'leaves', path: '^src/(observability/|config(\\.ts$|/)|errors(-data)?\\.ts$)' },
];
