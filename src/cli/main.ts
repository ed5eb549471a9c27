#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EXIT } from '../errors/error-codes.js';
import { RosterError } from '../errors/roster-error.js';
import { accessReviewCommand } from './access-review-command.js';
import { auditCommand } from './audit-command.js';
import { compactCommand } from './compact-command.js';
import { sourceControlCommand } from './pause-command.js';
import { timelineCommand } from './timeline-command.js';
import { whoCouldCommand } from './who-could-command.js';
import { backupCommand } from './backup-command.js';
import { changesCommand } from './changes-command.js';
import { decideCommand } from './decide-command.js';
import { explainCommand } from './explain-command.js';
import { policyCommand } from './policy-command.js';
import { responderCommand } from './responder-command.js';
import { configCommand } from './config-check-command.js';
import { daemonCommand } from './daemon-command.js';
import { demoCommand } from './demo-command.js';
import { membersCommand } from './members-command.js';
import { rolesCommand } from './roles-command.js';
import { statusCommand } from './status-command.js';
import { syncCommand } from './sync-command.js';

const program = new Command('roster')
  .description('Roster: directory sync, versioned role state and authorization decisions')
  .version('0.1.0')
  .exitOverride()
  .addCommand(daemonCommand())
  .addCommand(demoCommand())
  .addCommand(syncCommand())
  .addCommand(rolesCommand())
  .addCommand(membersCommand())
  .addCommand(changesCommand())
  .addCommand(statusCommand())
  .addCommand(sourceControlCommand('pause'))
  .addCommand(sourceControlCommand('resume'))
  .addCommand(decideCommand())
  .addCommand(explainCommand())
  .addCommand(policyCommand())
  .addCommand(whoCouldCommand())
  .addCommand(timelineCommand())
  .addCommand(accessReviewCommand())
  .addCommand(auditCommand())
  .addCommand(compactCommand())
  .addCommand(backupCommand())
  .addCommand(configCommand())
  .addCommand(responderCommand(), { hidden: true });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT.usage;
  } else if (err instanceof RosterError) {
    process.stderr.write(`roster: ${err.message}\n  (${err.code})\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`roster: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failure;
  }
}
