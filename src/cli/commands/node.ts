/**
 * `brokerlab node --id N --config FILE`: runs one node from an explicit config file in this
 * process, in the foreground (so a cluster can also span machines). The config is validated
 * first; SIGINT/SIGTERM start the node's controlled shutdown, a second signal exits at once.
 * A node build without `runNode` is started as `node dist/src/node/main.js --config FILE` instead.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeNotBuiltError } from '../../../cluster/index.js';
import { nodeEntryPoint } from '../../../cluster/package-root.js';
import { BrokerError } from '../../common/errors.js';
import { loadNodeConfig, type NodeConfig } from '../../node/config.js';
import { CliError, usageError } from '../errors.js';
import { parseNodeId } from '../options.js';

interface RunningNode {
  stop(controlled?: boolean): Promise<void>;
}

interface NodeModule {
  runNode?: (config: NodeConfig) => Promise<RunningNode>;
}

/** Bound on a controlled shutdown before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 5_000;

export function registerNode(program: Command): void {
  program
    .command('node')
    .description('run a single node from a config file (the format the supervisor writes to config/node-N.json)')
    .requiredOption('--id <n>', 'the node id, which must match nodeId in the file', parseNodeId)
    .requiredOption('--config <file>', 'node config file (JSON)')
    .action(async (options: { id: number; config: string }) => runNodeCommand(options.id, resolve(options.config)));
}

async function runNodeCommand(id: number, configFile: string): Promise<void> {
  if (!existsSync(configFile)) throw usageError(`config file ${configFile} does not exist`);
  let config: NodeConfig;
  try {
    config = loadNodeConfig(configFile);
  } catch (e) {
    if (e instanceof BrokerError) throw usageError(`invalid node config ${configFile}: ${e.message.replace(/^INVALID_CONFIG: /, '')}`);
    throw e;
  }
  if (config.nodeId !== id) throw usageError(`--id ${id} does not match nodeId ${config.nodeId} in ${configFile}`);
  const entryPoint = nodeEntryPoint();
  if (!existsSync(entryPoint)) throw new NodeNotBuiltError(entryPoint);

  // Imported by path: the node is built separately, and importing it does not start it.
  const module = (await import(pathToFileURL(entryPoint).href)) as NodeModule;
  if (typeof module.runNode !== 'function') return runAsChild(id, entryPoint, configFile);
  const node = await module.runNode(config);
  const kafka = config.kafka ? `, Kafka listener ${config.kafka.host}:${config.kafka.port || '(a free port)'}` : '';
  process.stderr.write(`node ${id} running on ${config.host}:${config.port}${kafka}; logs: ${config.logFile ?? 'stdout'}; Ctrl-C stops it\n`);
  await new Promise<void>((done) => {
    let signals = 0;
    const onSignal = () => {
      if (++signals > 1) process.exit(1);
      const force = setTimeout(() => process.exit(1), config.timing.requestTimeoutMs + SHUTDOWN_GRACE_MS);
      void node.stop(true).finally(() => {
        clearTimeout(force);
        done();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function runAsChild(id: number, entryPoint: string, configFile: string): Promise<void> {
  const child = spawn(process.execPath, [entryPoint, '--config', configFile], { stdio: 'inherit' });
  const forward = () => child.kill('SIGTERM');
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((done) => {
    child.on('error', () => done(1));
    child.on('exit', (exitCode, signal) => done(exitCode ?? (signal === 'SIGTERM' ? 0 : 1)));
  });
  if (code !== 0) throw new CliError(`node ${id} exited with code ${code}`, code);
}
