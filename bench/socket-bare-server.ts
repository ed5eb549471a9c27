/**
 * The baseline of bench/decision-socket.ts, in its own process: a bare node:http server on a Unix
 * socket with the decision socket's framing (HTTP/1.1 keep-alive, JSON body read and parsed, a
 * JSON answer with content-length) and no decision work.
 *   node dist/bench/socket-bare-server.js <socket path>   (sends 'ready' over IPC when listening)
 */
import { createServer } from 'node:http';
import { rmSync } from 'node:fs';

const path = process.argv[2];
if (!path) throw new Error('usage: socket-bare-server.js <socket path>');
const ANSWER = JSON.stringify({ decision: 'allow', reason: 'allowed_by_role', roles: ['role-1'], roleStateVersion: 1, policyVersion: 'sha256:bare' });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      status = 400;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
});
server.keepAliveTimeout = 65_000;
rmSync(path, { force: true });
server.listen(path, () => process.send?.('ready'));
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);
