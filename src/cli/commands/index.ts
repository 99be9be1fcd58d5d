/**
 * The command table: every top-level `truc` command, in the order `truc --help` lists them.
 * To add one, write src/cli/commands/<name>.ts (see src/cli/README.md) and add a line here.
 */
import type { Command } from 'commander';
import { auditCommand } from './audit.js';
import { clientsCommand } from './clients.js';
import { deadLettersCommand } from './dead-letters.js';
import { demoCommand } from './demo.js';
import { holdsCommand } from './holds.js';
import { migrateCommand } from './migrate.js';
import { pcgdCommand } from './pcgd.js';
import { qualityCommand } from './quality.js';
import { schedulesCommand } from './schedules.js';
import { schoolSystemsCommand } from './school-systems.js';
import { serveCommands } from './serve.js';
import { simCommand } from './sim.js';
import { syncCommand } from './sync.js';
import { targetsCommand } from './targets.js';

export const COMMANDS: ReadonlyArray<() => Command | Command[]> = [
  serveCommands, // all, api, worker
  demoCommand,
  migrateCommand,
  auditCommand,
  clientsCommand,
  schoolSystemsCommand,
  deadLettersCommand,
  targetsCommand,
  syncCommand,
  schedulesCommand,
  holdsCommand,
  pcgdCommand,
  qualityCommand,
  simCommand,
];
