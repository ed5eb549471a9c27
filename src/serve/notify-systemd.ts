import { spawn } from 'node:child_process';
import type { Logger } from '../log/create-logger.js';

/**
 * Tells systemd the daemon is ready to answer (roster.service is Type=notify), so units ordered
 * after it find the decision socket listening. Node cannot send on an AF_UNIX datagram socket,
 * so this runs `systemd-notify --ready`. The unit needs NotifyAccess=all because the sender is
 * a child, not the main process; systemd-notify waits until the manager has processed the
 * message, so it is still alive (and attributable to the unit's cgroup) when systemd looks it
 * up. Without NOTIFY_SOCKET (not started by systemd, or Type=simple) this does nothing.
 */
export function notifySystemdReady(log: Logger, env: NodeJS.ProcessEnv = process.env): void {
  if (!env.NOTIFY_SOCKET) return;
  const child = spawn('systemd-notify', ['--ready', '--status=serving decisions'], { stdio: 'ignore', env });
  child.once('error', (err) => log.error({ err: err.message }, 'cannot run systemd-notify; systemd will time out the start'));
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null && code >= 0) log.error({ code }, 'systemd-notify --ready failed; systemd will time out the start');
    else if (signal) log.error({ signal }, 'systemd-notify --ready was killed; systemd will time out the start');
  });
}
