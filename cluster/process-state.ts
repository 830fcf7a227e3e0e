/**
 * Whether a node process is up, paused (SIGSTOP) or dead, from its pid alone, so any CLI
 * invocation can tell without being the node's parent.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type ProcessState = 'up' | 'paused' | 'dead';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // EPERM: the pid exists but belongs to someone else, so it is not our node any more.
    return false;
  }
}

/**
 * The state letter of /proc/PID/stat: R running, S sleeping, T stopped, t traced, Z zombie...
 * Falls back to `ps` where /proc does not exist (macOS).
 */
export function processStateLetter(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) || undefined;
  } catch {
    if (process.platform === 'linux') return undefined;
  }
  try {
    return execFileSync('ps', ['-o', 'state=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 }).trim().charAt(0) || undefined;
  } catch {
    return undefined;
  }
}

export function processState(pid: number | null | undefined): ProcessState {
  if (pid === null || pid === undefined || pid <= 0 || !isAlive(pid)) return 'dead';
  const letter = processStateLetter(pid);
  if (letter === 'Z' || letter === 'X') return 'dead';
  if (letter === 'T' || letter === 't') return 'paused';
  return 'up';
}

/**
 * True when `pid` is still the process that was started with `marker` (a node's config file) on
 * its command line. Guards against signalling an unrelated process that reused a stale pid.
 * Where the command line cannot be read, liveness is all there is to go on.
 */
export function isProcessStartedWith(pid: number, marker: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
  } catch {
    if (process.platform === 'linux') return false;
  }
  try {
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 }).includes(marker);
  } catch {
    return true;
  }
}

/** Polls until the process is gone or the deadline passes; true when it is gone. */
export async function waitForExit(pid: number, timeoutMs: number, intervalMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (processState(pid) === 'dead') return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
