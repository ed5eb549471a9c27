import { createServer, type Server } from 'node:http';
import { prometheusContentType } from 'prom-client';
import { RosterError } from '../errors/roster-error.js';

/**
 * The optional TCP endpoint for Prometheus (`listen.metrics`): GET /metrics and nothing else. The
 * admin socket serves the same text; this exists because Prometheus cannot scrape a Unix socket.
 */
export async function listenMetrics(host: string, port: number, metrics: () => Promise<string>): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    metrics().then(
      (text) => res.writeHead(200, { 'content-type': prometheusContentType, 'content-length': Buffer.byteLength(text) }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  // Scrapes are short; idle keep-alive connections must not hold a stop.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new RosterError('ROSTER_ERR_SOCKET_IN_USE', { path: `${host}:${port}` }) : err));
    server.listen(port, host, () => resolve());
  });
  return server;
}
