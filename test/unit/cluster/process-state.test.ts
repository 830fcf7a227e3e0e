import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessStartedWith, processState, waitForExit } from '../../../cluster/process-state.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function sleeper(marker: string): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
  children.push(child);
  return child;
}

async function until(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('process state from a pid', () => {
  it('tells up, paused (SIGSTOP) and dead apart', async () => {
    const child = sleeper('marker-a');
    const pid = child.pid!;
    expect(processState(pid)).toBe('up');
    process.kill(pid, 'SIGSTOP');
    await until(() => processState(pid) === 'paused');
    process.kill(pid, 'SIGCONT');
    await until(() => processState(pid) === 'up');
    process.kill(pid, 'SIGKILL');
    expect(await waitForExit(pid, 3000)).toBe(true);
    expect(processState(pid)).toBe('dead');
  });

  it('treats a missing pid as dead', () => {
    expect(processState(null)).toBe('dead');
    expect(processState(0)).toBe('dead');
    expect(processState(2 ** 22 + 12345)).toBe('dead');
  });

  it('recognises a process by its command line, so a reused pid is not signalled', () => {
    const child = sleeper('/run/node-7.json');
    expect(isProcessStartedWith(child.pid!, '/run/node-7.json')).toBe(true);
    expect(isProcessStartedWith(child.pid!, '/run/node-8.json')).toBe(false);
  });
});
