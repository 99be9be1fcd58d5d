/**
 * review32 F2 (/work/briefs/review32-findings.md): no alert tells the city that an external system has stopped
 * taking truc's work. Since the circuit breaker (issue 7), an outage delays deliveries instead of dead-lettering
 * them, so `TrucDeadLettersGrowing` stays quiet; the jobs are handed to their queues, so `TrucOutboxLagHigh` stays
 * quiet; `TrucSyncStale` speaks only 26 h after the last successful pull of a schedule. A city database that
 * refuses truc's rotated credentials (`ERR_ADAPTER_AUTH` opens the circuit at the first refusal and every push then
 * waits) or that is down for a night is seen on the dashboard's overview only: nobody is paged for up to ~26 h.
 * truc exports `truc_circuit_open{system}` (and the gate's pause in the overview), but no rule of
 * ops/prometheus/alerts.yml reads the circuit or the gate. An `it.fails` until a rule does.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Rule {
  alert: string;
  expr: string;
}

it('review32 F2: an alert rule speaks when an external system’s circuit stays open (its work waiting)', () => {
  const alerts = parseYaml(readFileSync(join(ROOT, 'ops/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  };
  const rules = alerts.groups.flatMap((g) => g.rules);
  expect(rules.length).toBeGreaterThan(5);
  // A rule on the circuit of a system (or on the gate's pause, if the fix exports one): any series named for it.
  const onCircuit = rules.filter((r) => /truc_(circuit|delivery_gate|gate)_[a-z_]*/.test(r.expr));
  expect(onCircuit.map((r) => r.alert)).not.toEqual([]);
});
