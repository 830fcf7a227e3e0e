// Every bad input: a clear one-line message on stderr, a non-zero exit, and no stack trace.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from './run-cli.js';

const empty = mkdtempSync(join(tmpdir(), 'brokerlab-badinput-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const cases: { args: string[]; message: RegExp }[] = [
  { args: ['status'], message: /no cluster in .*brokerlab-badinput-.* \(no cluster\.json\)/ },
  { args: ['kill', '9'], message: /no cluster in / },
  { args: ['logs', '1'], message: /no cluster in / },
  { args: ['down'], message: /no cluster in / },
  { args: ['up', '--nodes', '0'], message: /option '--nodes <n>' argument '0' is invalid/ },
  { args: ['up', '--profile', 'slow'], message: /option '--profile <name>' argument 'slow' is invalid\. Expected fast or kafka/ },
  { args: ['up', '--config', 'no.such.setting=1'], message: /invalid --config: unknown setting "no.such.setting"/ },
  { args: ['up', '--config', 'replica.lag.time.max.ms=soon'], message: /replica\.lag\.time\.max\.ms must be a number, got "soon"/ },
  { args: ['up', '--config', 'novalue'], message: /option '--config <key=value>' argument 'novalue' is invalid/ },
  { args: ['up', '--nodes', '3', '--brokers', '2'], message: /use either --nodes or --controllers with --brokers/ },
  { args: ['up', '--port-base', '70000'], message: /--port-base <port>' argument '70000' is invalid/ },
  { args: ['up', '--kafka-port-base', '70000'], message: /--kafka-port-base <port>' argument '70000' is invalid/ },
  { args: ['up', '--config', 'listeners=PLAINTEXT://127.0.0.1:9092'], message: /--config listeners does not apply to a local cluster/ },
  { args: ['up', '--config', 'advertised.listeners=PLAINTEXT://host:9092'], message: /would advertise one address for all 3 brokers/ },
  { args: ['up', '--nodes', '1', '--config', 'advertised.listeners=SSL://host:9093'], message: /invalid --config: advertised\.listeners: "SSL:\/\/host:9093": SSL is not supported/ },
  { args: ['up', '--config', 'max.connections=0'], message: /invalid --config: maxConnections must be a positive integer, got 0/ },
  { args: ['produce', 't', '--acks', '2'], message: /option '--acks <acks>' argument '2' is invalid\. Expected 0, 1 or all/ },
  { args: ['produce', 't', '--key', 'k-{j}', '--bootstrap-server', '127.0.0.1:1'], message: /bad placeholder \{j\}/ },
  { args: ['kill', 'abc'], message: /argument 'N'.*Expected an integer/ },
  { args: ['delay', '1'], message: /required option '--ms <ms>' not specified/ },
  { args: ['frobnicate'], message: /unknown command 'frobnicate'/ },
  { args: ['node', '--id', '1', '--config', '/nonexistent/node.json'], message: /config file \/nonexistent\/node\.json does not exist/ },
  { args: ['logs', '1', '--level', 'loud'], message: /no cluster in / },
];

describe.skipIf(!cliBuilt)('brokerlab CLI with bad input (needs the build: npm run build)', () => {
  for (const { args, message } of cases) {
    it(`brokerlab ${args.join(' ')} fails clearly`, async () => {
      const result = await runCli(args, { env: { BROKERLAB_DIR: empty } });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(result.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    });
  }

  it('reports a dead cluster (no node answers) with a non-zero exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'brokerlab-dead-'));
    try {
      const up = await runCli(['up', '--detach', '--dir', dir, '--nodes', '1', '--kafka-port-base', '0'], { env: { BROKERLAB_NODE_ENTRY: join(dir, 'missing-node.js') } });
      expect(up.code).not.toBe(0);
      expect(up.stderr).toMatch(/the node process is not built \(.*missing-node\.js is missing\); run: npm run build/);
      const status = await runCli(['status', '--dir', dir]);
      expect(status.code).toBe(1);
      expect(status.stdout).toMatch(/^1\s+controller\+broker\s+-\s+dead/m);
      expect(status.stderr).toMatch(/no node of the cluster in .* answered; is it running\? \(brokerlab up\)/);
      const topics = await runCli(['topics', 'list', '--dir', dir, '--timeout', '1500']);
      expect(topics.code).not.toBe(0);
      expect(topics.stderr).toMatch(/^brokerlab: /);
      expect(topics.stderr).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
