/**
 * Starting and stopping one node process. Stopping is SIGTERM (the node's controlled shutdown),
 * then SIGKILL once a bounded wait runs out, so nothing is ever left running.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeSync } from 'node:fs';
import { nodeEntryPoint } from './package-root.js';
import { isProcessStartedWith, processState, waitForExit } from './process-state.js';
import { forgetChild, rememberChild } from './exit-hook.js';
import type { ClusterNodeRecord } from './run-dir.js';

export class NodeNotBuiltError extends Error {
  constructor(readonly entryPoint: string) {
    super(`the node process is not built (${entryPoint} is missing); run: npm run build`);
    this.name = 'NodeNotBuiltError';
  }
}

export interface SpawnOptions {
  /**
   * In its own session: Ctrl-C in the terminal reaches only the supervisor (which then stops the
   * nodes in order), and the nodes outlive a CLI that returns (`up --detach`).
   */
  detached: boolean;
  /** SIGKILL the node if this process exits without stopping it (integration tests). */
  killOnExit: boolean;
  /** The script to run with `--config FILE`; the built node process by default. */
  entryPoint?: string;
}

export function spawnNode(node: ClusterNodeRecord, options: SpawnOptions): number {
  const entryPoint = options.entryPoint ?? nodeEntryPoint();
  if (!existsSync(entryPoint)) throw new NodeNotBuiltError(entryPoint);
  const out = openSync(node.outFile, 'a');
  try {
    writeSync(out, `--- ${new Date().toISOString()} starting node ${node.id}\n`);
    const child = spawn(process.execPath, [entryPoint, '--config', node.configFile], {
      stdio: ['ignore', out, out],
      detached: options.detached,
      // Nodes owned by this process (startCluster, foreground `up`) exit if it dies without
      // stopping them, even by SIGKILL, when no exit hook can run; detached clusters outlive it.
      env: options.killOnExit ? { ...process.env, BROKERLAB_EXIT_WITH_PARENT: String(process.pid) } : { ...process.env },
    });
    if (child.pid === undefined) throw new Error(`could not start node ${node.id}`);
    const pid = child.pid;
    // Reaped by Node when it exits; the 'error' listener keeps a failed spawn from crashing us.
    child.on('error', () => undefined);
    if (options.killOnExit) {
      rememberChild(pid);
      child.on('exit', () => forgetChild(pid));
    }
    if (options.detached) child.unref();
    return pid;
  } finally {
    closeSync(out);
  }
}

/** The node's live pid, or undefined when the recorded pid is gone or now belongs to something else. */
export function livePid(node: ClusterNodeRecord): number | undefined {
  if (node.pid === null || node.pid <= 0) return undefined;
  return isProcessStartedWith(node.pid, node.configFile) ? node.pid : undefined;
}

export interface StopOutcome {
  /** The node exited on SIGTERM within the wait; false when it needed SIGKILL. */
  graceful: boolean;
  elapsedMs: number;
}

export async function terminateNode(pid: number, gracefulTimeoutMs: number): Promise<StopOutcome> {
  const started = Date.now();
  signal(pid, 'SIGTERM');
  // A paused process cannot act on SIGTERM until it runs again.
  if (processState(pid) === 'paused') signal(pid, 'SIGCONT');
  if (await waitForExit(pid, gracefulTimeoutMs)) {
    forgetChild(pid);
    return { graceful: true, elapsedMs: Date.now() - started };
  }
  await killNode(pid);
  return { graceful: false, elapsedMs: Date.now() - started };
}

/** SIGKILL, then wait (bounded) until the kernel has removed the process. */
export async function killNode(pid: number, timeoutMs = 5000): Promise<void> {
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, timeoutMs))) throw new Error(`process ${pid} survived SIGKILL for ${timeoutMs} ms`);
  forgetChild(pid);
}

export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/** The last lines of a node's stdout/stderr, to show why it exited. */
export function tailOfFile(path: string, lines = 15): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
