/**
 * Runs standalone Raft processes (dist/src/node/raft-process.js) on free loopback ports and temp
 * directories, for the Raft integration test and benchmark: start, SIGKILL, restart, watch status,
 * and always clean up (every child is killed and every directory removed by `destroy`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pickFreePorts } from '../../cluster/ports.js';
import { RaftClientConnection } from '../../src/net/raft-client.js';
import type { RaftNodeStatus } from '../../src/net/raft-client-service.js';
import { isBrokerError } from '../../src/common/errors.js';
import type { ProposalResult } from '../../src/raft/driver.js';
import { NONE, type NodeId } from '../../src/raft/types.js';

export interface RaftTiming {
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
}

export const FAST_TIMING: RaftTiming = { tickMs: 25, electionTicks: 12, heartbeatTicks: 2 };

/** The repository root, found from this file whether it runs from test/ or dist/test/. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'proto', 'raft.proto'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('repository root not found');
    dir = parent;
  }
  return dir;
}

const ROOT = repoRoot();
export const RAFT_PROCESS_SCRIPT = join(ROOT, 'dist', 'src', 'node', 'raft-process.js');

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtimeMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The sources the Raft process is built from; edits elsewhere in the tree do not make it stale. */
const RAFT_PROCESS_SOURCES = ['src/common', 'src/raft', 'src/net', 'src/node/raft-process.ts', 'test/support/raft-harness.ts'];

function newestSourceMtimeMs(): number {
  return Math.max(
    ...RAFT_PROCESS_SOURCES.map((relative) => {
      const path = join(ROOT, relative);
      if (!existsSync(path)) return 0;
      return statSync(path).isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs;
    }),
  );
}

/** Builds dist/ when the Raft process script is missing or older than the sources it is built from. */
export function ensureBuilt(): void {
  const built = existsSync(RAFT_PROCESS_SCRIPT) ? statSync(RAFT_PROCESS_SCRIPT).mtimeMs : 0;
  if (built >= newestSourceMtimeMs()) return;
  // Type errors elsewhere in the tree still emit JavaScript, so only a missing output is fatal.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
  if (!existsSync(RAFT_PROCESS_SCRIPT)) throw new Error(`build did not produce ${RAFT_PROCESS_SCRIPT}`);
}

interface RaftNodeHandle {
  readonly id: NodeId;
  readonly port: number;
  readonly dir: string;
  readonly logFile: string;
  process: ChildProcess | undefined;
  client: RaftClientConnection | undefined;
}

export class RaftProcessCluster {
  private readonly nodes = new Map<NodeId, RaftNodeHandle>();
  private knownLeader: NodeId | undefined;

  private constructor(
    private readonly root: string,
    private readonly timing: RaftTiming,
  ) {}

  /** Starts `size` voters (ids 1..size) and returns without waiting for a leader. */
  static async start(size = 3, timing: RaftTiming = FAST_TIMING): Promise<RaftProcessCluster> {
    ensureBuilt();
    const root = await mkdtemp(join(tmpdir(), 'raft-cluster-'));
    const cluster = new RaftProcessCluster(root, timing);
    const ports = await pickFreePorts(size);
    ports.forEach((port, i) => {
      const id = i + 1;
      cluster.nodes.set(id, { id, port, dir: join(root, `node-${id}`), logFile: join(root, `node-${id}.log`), process: undefined, client: undefined });
    });
    for (const id of cluster.nodes.keys()) cluster.startNode(id);
    return cluster;
  }

  ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  isRunning(id: NodeId): boolean {
    const child = this.node(id).process;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  startNode(id: NodeId): void {
    const node = this.node(id);
    if (this.isRunning(id)) return;
    const peers = [...this.nodes.values()].map((n) => `${n.id}=127.0.0.1:${n.port}`).join(',');
    const t = this.timing;
    const args = [RAFT_PROCESS_SCRIPT, '--id', String(id), '--peers', peers, '--dir', node.dir, '--log-file', node.logFile];
    args.push('--tick-ms', String(t.tickMs), '--election-ticks', String(t.electionTicks), '--heartbeat-ticks', String(t.heartbeatTicks));
    node.process = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  /** Sends `signal` and waits (bounded) for the process to exit. */
  async killNode(id: NodeId, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.node(id);
    if (this.knownLeader === id) this.knownLeader = undefined;
    node.client?.close();
    node.client = undefined;
    const child = node.process;
    if (!child || !this.isRunning(id)) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    // Longer than the process's own shutdown budget, so a clean stop is never cut short.
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([exited, timeout]);
    if (this.isRunning(id)) child.kill('SIGKILL');
  }

  /** Sends SIGTERM and resolves with the exit code (undefined if it had to be killed). */
  async terminate(id: NodeId): Promise<number | undefined> {
    const child = this.node(id).process;
    if (!child || !this.isRunning(id)) return child?.exitCode ?? undefined;
    await this.killNode(id, 'SIGTERM');
    return child.exitCode ?? undefined;
  }

  /** A client connected to node `id` (reused until the node is killed). */
  client(id: NodeId): RaftClientConnection {
    const node = this.node(id);
    node.client ??= new RaftClientConnection(`127.0.0.1:${node.port}`);
    return node.client;
  }

  async status(id: NodeId): Promise<RaftNodeStatus | undefined> {
    if (!this.isRunning(id)) return undefined;
    return this.client(id).status(1_000).catch(() => undefined);
  }

  /** Waits until some running node other than `except` is leader and the others it can reach agree. */
  async waitForLeader(timeoutMs = 10_000, except?: NodeId): Promise<NodeId> {
    return this.waitFor(async () => {
      const statuses = await Promise.all(this.ids().filter((id) => id !== except).map((id) => this.status(id)));
      const leader = statuses.find((s) => s?.role === 'leader');
      return leader ? leader.id : undefined;
    }, timeoutMs);
  }

  /**
   * Proposes on whichever node leads, following NOT_CONTROLLER hints (which guarantee the entry
   * was not committed, so retrying cannot duplicate it). Other errors are the caller's to judge.
   */
  async propose(data: Uint8Array, timeoutMs = 30_000): Promise<ProposalResult> {
    const deadline = Date.now() + timeoutMs;
    let target = this.knownLeader ?? (await this.waitForLeader(timeoutMs));
    for (;;) {
      try {
        const result = await this.client(target).propose(data);
        this.knownLeader = target;
        return result;
      } catch (error) {
        if (!isBrokerError(error, 'NOT_CONTROLLER') || Date.now() > deadline) throw error;
        const hint = error.details['leaderId'];
        await new Promise((r) => setTimeout(r, 20));
        target = typeof hint === 'number' && hint !== NONE && this.isRunning(hint) ? hint : await this.waitForLeader(Math.max(1, deadline - Date.now()));
      }
    }
  }

  async waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 20): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** The last lines of a node's log, for failure messages. */
  async logTail(id: NodeId, lines = 20): Promise<string> {
    const text = await readFile(this.node(id).logFile, 'utf8').catch(() => '');
    return text.trim().split('\n').slice(-lines).join('\n');
  }

  /**
   * Kills every process and removes all data. Safe to call more than once. Under
   * BROKERLAB_BENCH_PROFILE_DIR the nodes get SIGTERM first, so they exit cleanly and write their
   * CPU profiles (a SIGKILLed process writes none).
   */
  async destroy(): Promise<void> {
    const signal = process.env['BROKERLAB_BENCH_PROFILE_DIR'] ? 'SIGTERM' : 'SIGKILL';
    await Promise.all(this.ids().map((id) => this.killNode(id, signal)));
    await rm(this.root, { recursive: true, force: true });
  }

  private node(id: NodeId): RaftNodeHandle {
    const node = this.nodes.get(id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }
}
