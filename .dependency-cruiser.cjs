/**
 * The layer order of ../shared/DESIGN.md §6 and the README's layer table, enforced by
 * `npm run check:layers` (part of `npm run check` and CI). Top may import bottom, never the reverse.
 * The table in scripts/layers.cjs is the single source: the rules are generated from it, and a unit test
 * (test/unit/layers.test.ts) checks that the README's table lists the same layers in the same order.
 */

const { LAYERS } = require('./scripts/layers.cjs');

/**
 * A simulator speaks its system's wire vocabulary, which lives once in that system's adapter schema
 * (`src/adapters/<system>/schema.ts`, which itself reads the generated wire types).
 */
const ADAPTER_WIRE_SCHEMA = '^src/adapters/[^/]+/schema\\.ts$';

const upward = LAYERS.flatMap((lower, i) =>
  LAYERS.slice(0, i).map((upper) => ({
    name: `layer-${lower.name}-imports-${upper.name}`,
    comment: `${lower.name} sits below ${upper.name} (DESIGN §6): a lower layer never imports a higher one.`,
    severity: 'error',
    from: { path: lower.path },
    to: {
      path: upper.path,
      ...(lower.name === 'simulators' && upper.name === 'adapters' ? { pathNot: ADAPTER_WIRE_SCHEMA } : {}),
    },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Import cycles make the layer order meaningless and break module initialisation order.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'adapters-transport-only',
      comment:
        'An adapter is transport: client, wire schema, README. No canonical model, no store, no audit.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(canonical|store|audit)/' },
    },
    {
      name: 'simulators-own-wing',
      comment: 'Simulators may use canonical code lists and adapter wire schemas, never the store or audit.',
      severity: 'error',
      from: { path: '^src/simulators/' },
      to: { path: '^src/(store|audit)/' },
    },
    {
      name: 'api-enqueues-through-contracts',
      comment:
        'The API reaches jobs only through their contracts (src/jobs/contracts.ts), the dead-letter service, queue types, the dry run (src/jobs/dry-run.ts, with the judging context of src/jobs/judge.ts) and the status a batch tells (src/jobs/batch-status.ts, which the batch.finished webhook tells too), a webhook receiver URL check (src/jobs/webhook-receivers.ts), where a batch’s findings point (src/jobs/finding-pointers.ts), what holds a system’s calls at its gate (src/jobs/gate-view.ts) and what the OpenAPI document tells of a native format’s records (src/jobs/native-record-docs.ts, from its mapping); never a processor.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: {
        path: '^src/jobs/',
        pathNot:
          '^src/jobs/(contracts|dead-letters|queues|judge|dry-run|batch-status|webhook-receivers|finding-pointers|gate-view|native-record-docs)\\.ts$',
      },
    },
    {
      name: 'api-never-reaches-adapters',
      comment:
        "The API enqueues and reads; it never calls an external system, so it imports no adapter or mapping (src/api/README.md): what it needs of one comes through src/jobs (e.g. a webhook receiver's URL check, src/jobs/webhook-receivers.ts). The layer order alone allows it (api sits above adapters): ops29. Only a system's wire schema may be read, to describe a native batch's records in the OpenAPI document (src/api/record-schemas.ts).",
      severity: 'error',
      from: { path: '^src/(api/|app\\.ts$)' },
      to: { path: '^src/(adapters|mappings)/', pathNot: ADAPTER_WIRE_SCHEMA },
    },
    {
      name: 'config-through-config-ts',
      comment:
        'src/config.ts is the one door to the configuration: the sections in src/config/ are imported by it and by each other only.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/config(\\.ts$|/)' },
      to: { path: '^src/config/' },
    },
    {
      name: 'src-never-imports-tests-or-scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
    exclude: { path: '^src/.*\\.d\\.ts$' },
  },
};
