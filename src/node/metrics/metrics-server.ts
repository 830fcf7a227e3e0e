/**
 * The node's Prometheus endpoint: `GET /metrics` answers the registry in the text exposition
 * format. Anything else is answered (404 for another path, 405 for another method), and a
 * failing collection is a 500, so no request can take the node down.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { errors } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';

export const METRICS_PATH = '/metrics';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(registry: Registry, host: string, port: number, logger: Logger): Promise<MetricsServer> {
  const server = createServer((request, response) => void answer(registry, request, response, logger));
  // A malformed HTTP request is the client's problem: drop its connection and keep serving.
  server.on('clientError', (_error, socket) => socket.destroy());
  await listen(server, host, port);
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(registry: Registry, request: IncomingMessage, response: ServerResponse, logger: Logger): Promise<void> {
  const path = (request.url ?? '/').split('?', 1)[0];
  if (path !== METRICS_PATH) return plain(response, 404, `not found: try GET ${METRICS_PATH}\n`);
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return plain(response, 405, `method ${request.method ?? '?'} not allowed on ${METRICS_PATH}\n`);
  }
  try {
    const body = await registry.metrics();
    response.writeHead(200, { 'Content-Type': registry.contentType });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch (e) {
    logger.error({ err: e }, 'collecting metrics failed');
    plain(response, 500, 'collecting metrics failed\n');
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(errors.brokerNotAvailable(`cannot serve metrics on ${host}:${port}: ${e.message}`)));
    server.listen({ host, port }, () => resolve());
  });
}
