/** Writes docs/quality-rules.md from the rule catalogue in src/quality (`--check` fails on drift). */
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { isEntry, writeGenerated, type Generated } from './generated.js';
import { CATALOGUE_VERSION, GATE_RULES, RETIRED_CODES, RULES } from '../src/quality/catalogue.js';
import { DEFAULT_QUALITY_CONFIG } from '../src/quality/config.js';
import type { Category, RuleInfo } from '../src/quality/types.js';

const CRITERION_TITLE: Readonly<Partial<Record<Category, string>>> = {
  dung: 'Đúng — correct',
  du: 'Đủ — complete',
  sach: 'Sạch — clean',
  song: 'Sống — live',
  tenancy: 'Tenancy — the gate before the criteria (never switched off by the policy, not scored)',
};

const SCOPE: Readonly<Record<RuleInfo['scope'], string>> = {
  input: 'input (before the schema)',
  record: 'record',
  batch: 'batch',
  store: 'store lookup',
};

const cell = (s: string): string => s.replace(/\|/g, '\\|');

function section(criterion: Category): string {
  const rows = [...RULES, ...GATE_RULES]
    .filter((r) => r.criterion === criterion)
    .map(
      (r) =>
        `| \`${r.code}\` | ${r.severity} | ${r.entities.join(', ')} | ${SCOPE[r.scope]} | ${r.version} | ` +
        `${cell(r.message.vi)}<br>${cell(r.message.en)} | ${cell(r.hint.vi)}<br>${cell(r.hint.en)} | ${r.showsValue ? 'yes' : 'no'} |`,
    );
  return `## ${CRITERION_TITLE[criterion] ?? criterion}

| code | default severity | entities | runs on | version | message (vi / en) | how to fix (vi / en) | shows the value |
|---|---|---|---|---|---|---|---|
${rows.join('\n')}
`;
}

const c = DEFAULT_QUALITY_CONFIG;
const text = `# Data-quality rules

Generated from \`src/quality/\` by \`scripts/gen-quality-docs.ts\` (\`npm run gen:quality-rules\`); do
not edit by hand. Catalogue version **${CATALOGUE_VERSION}**, ${RULES.length} rules, and ${GATE_RULES.length} tenancy rules
that every vendor batch passes first.

Codes are part of the API contract (vendors filter findings by them): they are never renamed or
reused. A rule's \`version\` goes up whenever its verdict on the same record can change. Severities:
\`error\` rejects the record, \`warning\` accepts and flags it, \`info\` only tells; the city's policy
(\`quality.policy\` in the configuration) may change a rule's severity per entity or switch it off.
A finding never shows personal data: the offending value is included only where the table says so.
A finding that rests on another school's records (a probable duplicate stored only at other schools, a
personal ID enrolled at another school) is the city's: it stays in the record's verdict (quality views,
scorecards) and is left out of what a vendor is told of its batch or dry run and of its school's findings (\`src/quality/sender-view.ts\`),
so that no vendor learns facts about pupils of schools it does not serve: a vendor's school scorecard counts
without it, and it refuses no record a school's side sent, whatever the policy makes its rule.

Runs on: *input* — before the canonical schema, on records pushed in truc's canonical format (a
schema failure always rejects); *record* — one canonical record; *batch* — across one batch;
*store lookup* — with facts from the store, fetched once per batch whatever its size.

${(['dung', 'du', 'sach', 'song', 'tenancy'] as const).map(section).join('\n')}
## Defaults the rules use (configuration \`quality\`)

| setting | default | source |
|---|---|---|
| age tolerance around a grade's nominal age (younger / older) | ${c.ageTolerance.younger} / ${c.ageTolerance.older} years | truc's own (grade 1 in the year a child turns 6) |
| staff minimum age | ${c.staffMinAge} | truc's own |
| retirement age (men / women) | ${c.retirementAge.male} / ${c.retirementAge.female} | end of the Labour Code 2019 Art. 169 roadmap; set the year's ages |
| official e-mail domains | ${c.officialEmailDomains.join(', ')} | the city's requirement (issue 8) |
| sync maximum age | ${c.syncMaxAgeDays} days | truc's own |
| rollover / master-data deadlines | ${c.deadlines.rollover} / ${c.deadlines.masterData} (MM-DD) | the city's 2024 dates; set each year's |

${RETIRED_CODES.length > 0 ? `Retired codes (never reused): ${RETIRED_CODES.map((r) => `\`${r}\``).join(', ')}.\n` : 'No code has been retired yet.\n'}`;

/** docs/quality-rules.md as the rule catalogue makes it. */
export const qualityDocs = (): Generated[] => [[join(PROJECT_ROOT, 'docs', 'quality-rules.md'), text]];

if (isEntry(import.meta.url)) process.exitCode = writeGenerated(qualityDocs(), 'npm run gen:quality-rules');
