/**
 * The dashboard's HTTP server, run on the supervisor's side of a local cluster:
 *
 *   GET  /                       the page (and /app.js, /style.css, /vendor/uPlot.*)
 *   GET  /events-stream          Server-Sent Events: `snapshot` every tick, `events` as they come
 *   GET  /api/snapshot           the latest snapshot as JSON
 *   GET  /api/events?limit=N     the newest events of the cluster's event log
 *   POST /api/nodes/N/ACTION     kill, stop, start, pause, resume, isolate, heal, delay ({"ms": M})
 *
 * Answers are JSON; errors are `{ "error": "..." }` with 400 (bad request), 404 (unknown node,
 * action or path), 409 (not possible now) or 500. A failing handler never takes the server down.
 * It listens on loopback unless told otherwise: its buttons kill processes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../src/common/logger.js';
import type { SupervisorOptions } from '../supervisor.js';
import { ActionError, parseNodeAction, performNodeAction } from './actions.js';
import { ClusterHandle } from './cluster-handle.js';
import { EventFeed } from './event-feed.js';
import { LiveFeed } from './live-feed.js';
import { readStatic, staticFiles } from './static-files.js';

export interface DashboardOptions {
  runDir: string;
  /** 0 (default): a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** How the supervisor starts nodes again (the CLI's: detached, outliving the dashboard). */
  supervisorOptions?: SupervisorOptions;
  /** How often the page gets a new snapshot; default 1000 ms. */
  intervalMs?: number;
  /** Bound on one node's status call and metrics scrape; default 800 ms, under one tick. */
  nodeTimeoutMs?: number;
  logger?: Logger;
}

export interface Dashboard {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Where the dashboard listens unless told otherwise (`brokerlab dashboard`, the foreground `up`). */
export const DEFAULT_DASHBOARD_PORT = 8080;

const MAX_BODY_BYTES = 16 * 1024;

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const log = options.logger ?? silentLogger();
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 800;
  const cluster = new ClusterHandle(options.runDir, { ...options.supervisorOptions, adminDeadlineMs: nodeTimeoutMs });
  const events = new EventFeed(options.runDir);
  const feed = new LiveFeed(cluster, events, log, options.intervalMs ?? 1000, nodeTimeoutMs);
  const busy = new Map<number, string>();

  const server = createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      const status = e instanceof ActionError ? e.status : 500;
      if (status === 500) log.error({ err: e, method: req.method, url: req.url }, 'dashboard: request failed');
      answerJson(res, status, { error: (e as Error).message });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const file = staticFiles().get(path);
    if (file) {
      requireMethod(req, 'GET');
      const body = await readStatic(file);
      res.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-cache' });
      res.end(body);
      return;
    }
    if (path === '/events-stream') {
      requireMethod(req, 'GET');
      feed.attach(res);
      return;
    }
    if (path === '/api/snapshot') {
      requireMethod(req, 'GET');
      answerJson(res, 200, await feed.snapshot());
      return;
    }
    if (path === '/api/events') {
      requireMethod(req, 'GET');
      const limit = Number(url.searchParams.get('limit') ?? 200);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new ActionError(400, 'limit must be a whole number from 1 to 10000');
      answerJson(res, 200, events.backlog(limit));
      return;
    }
    const action = /^\/api\/nodes\/([^/]+)\/([^/]+)$/.exec(path);
    if (action) {
      requireMethod(req, 'POST');
      requireSameOrigin(req);
      const body = await readJsonBody(req);
      await cluster.use(async (supervisor) => {
        const request = parseNodeAction(decodeURIComponent(action[1]!), decodeURIComponent(action[2]!), body, supervisor.nodes.map((n) => n.id));
        const running = busy.get(request.node);
        if (running) throw new ActionError(409, `node ${request.node} is busy: ${running} still in progress`);
        busy.set(request.node, request.action);
        try {
          const result = await performNodeAction(supervisor, request);
          log.info({ node: request.node, action: request.action }, result.message);
          answerJson(res, 200, result);
        } finally {
          busy.delete(request.node);
        }
      });
      return;
    }
    throw new ActionError(404, `no such path: ${path}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  feed.start();
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shownHost}:${address.port}/`,
    host: address.address,
    port: address.port,
    async close() {
      await feed.stop();
      await closeServer(server);
      cluster.close();
    },
  };
}

function requireMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method && !(method === 'GET' && req.method === 'HEAD')) throw new ActionError(405, `${req.method} is not allowed here; use ${method}`);
}

/**
 * A page on another site could make the browser POST here (it is loopback, not private): browsers
 * send Origin with such requests, so one naming another host is refused.
 */
function requireSameOrigin(req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${req.headers.host}`) throw new ActionError(403, `requests from ${origin} are not accepted`);
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ActionError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ActionError(400, `the body is not JSON: ${(e as Error).message}`);
  }
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** Open SSE streams would keep close() waiting forever: they are ended first, idle sockets dropped. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
