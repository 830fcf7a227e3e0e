import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const entry = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'src', 'index.js')).href;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('nodes owned by a test process', () => {
  it('exit on their own when that process is SIGKILLed before it can stop them', async () => {
    const script = `import { startCluster } from '${entry}';
      const c = await startCluster({ nodes: 3 });
      process.stdout.write('PIDS ' + c.nodes.map((n) => n.pid).join(' ') + '\\n');
      setInterval(() => {}, 1000);`;
    const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let pids: number[] = [];
    try {
      pids = await new Promise<number[]>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`no cluster within 60 s: ${out}`)), 60_000);
        owner.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const line = out.split('\n').find((l) => l.startsWith('PIDS '));
          if (line) {
            clearTimeout(timer);
            resolve(line.slice(5).trim().split(' ').map(Number));
          }
        });
      });
      expect(pids).toHaveLength(3);
      expect(pids.every(alive)).toBe(true);
      owner.kill('SIGKILL');
      const deadline = Date.now() + 20_000;
      while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      owner.kill('SIGKILL');
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 90_000);
});
