// The CLI's cluster verbs end to end against stand-in node processes (the real node runs in
// test/integration/cli-lifecycle.test.ts): up --detach, status, kill, start, pause, resume,
// isolate, heal, delay, logs, down.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processState } from '../../../cluster/process-state.js';
import { cliBuilt, cliMain, repoRoot, runCli } from './run-cli.js';

// A journey of a dozen CLI processes, each bounded by its own timeout: the budget is their share on
// a loaded machine, not a race against the clock.
const JOURNEY_TIMEOUT_MS = 240_000;

const fakeNode = join(repoRoot, 'test', 'unit', 'cluster', 'fixtures', 'fake-node.mjs');
let dir: string;

function recordedPids(): number[] {
  const path = join(dir, 'cluster.json');
  if (!existsSync(path)) return [];
  const state = JSON.parse(readFileSync(path, 'utf8')) as { nodes: { pid: number | null }[] };
  return state.nodes.map((n) => n.pid).filter((p): p is number => p !== null);
}

const cli = (...args: string[]) => runCli([...args, '--dir', dir], { env: { BROKERLAB_NODE_ENTRY: fakeNode } });
/** `up` on free Kafka ports: a test must not take 9092, 9093, ... (the stand-in nodes bind them). */
const FREE_KAFKA_PORTS = ['--kafka-port-base', '0'];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'brokerlab-cli-'));
});

afterEach(async () => {
  // Whatever a failed assertion left running is killed here.
  for (const pid of recordedPids()) if (processState(pid) !== 'dead') process.kill(pid, 'SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!cliBuilt)('brokerlab cluster verbs with stand-in nodes (needs npm run build)', () => {
  it('runs a detached cluster through up, status, faults and down', async () => {
    const up = await cli('up', '--detach', '--nodes', '3', ...FREE_KAFKA_PORTS);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/cluster started and ready in \d+ ms \(3 nodes, each controller and broker, profile fast\)/);
    const state = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { nodes: { port: number; kafkaHost: string; kafkaPort: number }[] };
    const kafkaPorts = state.nodes.map((n) => n.kafkaPort);
    expect(up.stdout).toContain(`\nbootstrap: ${kafkaPorts.map((p) => `127.0.0.1:${p}`).join(',')}\n`);
    expect(up.stdout).toContain(`  native client      ${state.nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}  (gRPC`);
    expect(up.stdout).toContain(`run directory      ${dir}`);
    for (const file of ['cluster.json', 'config/node-1.json', 'logs/node-1.log', 'data/node-3']) expect(existsSync(join(dir, file))).toBe(true);
    const pids = recordedPids();
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(processState(pid)).toBe('up');

    const status = await cli('status');
    expect(status.code).toBe(0);
    expect(status.stdout).not.toMatch(/\u001b\[/);
    expect(status.stdout).toMatch(/^controller 1 {2}raft term 1/);
    expect(status.stdout).toMatch(new RegExp(`^2\\s+controller\\+broker\\s+\\d+\\s+up\\s+follower\\s+1\\s+unfenced\\s+12\\s+${kafkaPorts[1]}\\s+\\d+\\s+-$`, 'm'));

    const json = JSON.parse((await cli('status', '--json')).stdout) as {
      nodes: { id: number; process: string; kafkaPort: number; kafkaAddress: string }[];
      bootstrapServers: string[];
      kafkaBrokers: string[];
    };
    expect(json.nodes.map((n) => n.process)).toEqual(['up', 'up', 'up']);
    expect(json.bootstrapServers).toHaveLength(3);
    expect(json.nodes.map((n) => n.kafkaPort)).toEqual(kafkaPorts);
    expect(json.nodes.map((n) => n.kafkaAddress)).toEqual(kafkaPorts.map((p) => `127.0.0.1:${p}`));
    expect(json.kafkaBrokers).toEqual(kafkaPorts.map((p) => `127.0.0.1:${p}`));

    const kill = await cli('kill', '2');
    expect(kill.code).toBe(0);
    expect(kill.stdout).toMatch(/killed node 2 \(SIGKILL, pid \d+\)/);
    expect(processState(pids[1]!)).toBe('dead');
    expect((await cli('status')).stdout).toMatch(/^2\s+controller\+broker\s+-\s+dead/m);

    const start = await cli('start', '2');
    expect(start.stdout).toMatch(/started node 2 \(pid \d+\)\n {2}node 2 answered and registered \(broker epoch 12\) after \d+ ms/);

    const pause = await cli('pause', '3', '--no-wait');
    expect(pause.stdout).toContain('paused node 3 (SIGSTOP)');
    expect(processState(pids[2]!)).toBe('paused');
    expect((await cli('status')).stdout).toMatch(/^3\s+controller\+broker\s+\d+\s+paused/m);
    expect((await cli('resume', '3')).stdout).toContain('resumed node 3 (SIGCONT)');
    expect(processState(pids[2]!)).toBe('up');

    const isolate = await cli('isolate', '1', '--no-wait');
    expect(isolate.stdout).toMatch(/node 1: faults now isolated\n {2}node 2: faults now drops 1\n {2}node 3: faults now drops 1/);
    expect((await cli('status')).stdout).toMatch(/^1\s.*isolated$/m);
    const delay = await cli('delay', '3', '--ms', '50');
    expect(delay.stdout).toContain('node 3 now delays everything it sends by 50 ms');
    const heal = await cli('heal', '--no-wait');
    expect(heal.stdout).toMatch(/healed every node\n {2}node 1: faults now none/);
    const partition = await cli('partition', '1');
    expect(partition.stdout).toMatch(/partitioned the network: \{1\} \| \{2,3\}.*\n {2}node 1: faults now drops 2,3\n {2}node 2: faults now drops 1\n {2}node 3: faults now drops 1/);
    expect((await cli('status')).stdout).toMatch(/^network partition \{1\} \| \{2,3\}$/m);
    expect((await cli('partition', '1', '1,2')).stderr).toMatch(/both sides/);
    expect((await cli('heal', '2', '--no-wait')).stdout).toMatch(/healed node 2\n {2}node 1: faults now none\n {2}node 2: faults now none\n {2}node 3: faults now none/);
    expect((await cli('status')).stdout).not.toMatch(/network partition/);
    const clientsCut = await cli('isolate', '2', '--clients');
    expect(clientsCut.stdout).toMatch(/isolated node 2 from its clients.*\n {2}node 2: faults now clients isolated\n$/);
    const clientsLate = await cli('delay', '2', '--clients', '--ms', '200');
    expect(clientsLate.stdout).toMatch(/node 2 now delays every answer to its clients by 200 ms\n {2}node 2: faults now clients isolated, clients delay 200 ms\n$/);
    expect((await cli('status')).stdout).toMatch(/^2\s.*clients isolated clients \+200ms$/m);
    expect((await cli('heal', '2', '--no-wait')).stdout).toMatch(/healed node 2\n {2}node 2: faults now none\n$/);

    const logs = await cli('logs', '1');
    expect(logs.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}node 1 node started port=\d+$/m);

    const unknown = await cli('kill', '7');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('brokerlab: unknown node 7; this cluster has nodes 1, 2, 3\n');

    const down = await cli('down');
    expect(down.stdout).toMatch(/node 1: stopped \(controlled shutdown\) in \d+ ms/);
    for (const pid of recordedPids()) expect(processState(pid)).toBe('dead');
    expect(existsSync(join(dir, 'cluster.json'))).toBe(true);
  }, JOURNEY_TIMEOUT_MS);

  it('restarts an existing cluster on the same ports, and down --purge removes it', async () => {
    expect((await cli('up', '--detach', '--controllers', '1', '--brokers', '2', ...FREE_KAFKA_PORTS)).code).toBe(0);
    const before = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as { nodes: { id: number; port: number; kafkaPort?: number; roles: string[] }[] };
    expect(before.nodes.map((n) => n.kafkaPort !== undefined)).toEqual([false, true, true]);
    expect(before.nodes.map((n) => n.roles.join())).toEqual(['controller', 'broker', 'broker']);
    await cli('down');
    const again = await cli('up', '--detach', '--nodes', '5');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('cluster restarted and ready');
    expect(again.stderr).toMatch(/already holds a cluster \(3 nodes\); ignoring --nodes/);
    const after = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as typeof before;
    expect(after.nodes.map((n) => [n.id, n.port, n.kafkaPort])).toEqual(before.nodes.map((n) => [n.id, n.port, n.kafkaPort]));
    expect(again.stdout).toContain(`\nbootstrap: 127.0.0.1:${before.nodes[1]!.kafkaPort},127.0.0.1:${before.nodes[2]!.kafkaPort}\n`);
    const purge = await cli('down', '--purge');
    expect(purge.stdout).toContain(`removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
  });

  it('runs in the foreground until Ctrl-C, then stops every node (npm start)', async () => {
    const child = spawn(process.execPath, [cliMain, 'up', '--dir', dir, ...FREE_KAFKA_PORTS], {
      cwd: repoRoot,
      env: { ...process.env, BROKERLAB_NODE_ENTRY: fakeNode },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('Ctrl-C (or SIGTERM) stops every node') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toMatch(/cluster started and ready in \d+ ms/);
      // npm start serves the dashboard beside the live status.
      const dashboardUrl = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      expect(dashboardUrl, stdout).toBeDefined();
      const page = await fetch(dashboardUrl!);
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/brokerlab/);
      const pids = recordedPids();
      expect(pids).toHaveLength(3);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stdout).toMatch(/stopping the cluster[\s\S]*node 1: stopped in \d+ ms[\s\S]*node 3: stopped in \d+ ms/);
      for (const pid of pids) expect(processState(pid)).toBe('dead');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
