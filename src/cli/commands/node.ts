/**
 * `brokerlab node --id N --config FILE`: runs one node from an explicit config file in the
 * foreground, the way the supervisor starts each node (so a cluster can span machines). The config
 * is validated here first; the node then runs as `node dist/src/node/main.js --config FILE` with
 * this terminal's output, and SIGINT/SIGTERM become its controlled shutdown.
 */
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { NodeNotBuiltError } from '../../../cluster/index.js';
import { nodeEntryPoint } from '../../../cluster/package-root.js';
import { BrokerError } from '../../common/errors.js';
import { loadNodeConfig } from '../../node/config.js';
import { CliError, usageError } from '../errors.js';
import { parseNodeId } from '../options.js';

export function registerNode(program: Command): void {
  program
    .command('node')
    .description('run a single node from a config file (the format the supervisor writes to config/node-N.json)')
    .requiredOption('--id <n>', 'the node id, which must match nodeId in the file', parseNodeId)
    .requiredOption('--config <file>', 'node config file (JSON)')
    .action(async (options: { id: number; config: string }) => runNode(options.id, resolve(options.config)));
}

async function runNode(id: number, configFile: string): Promise<void> {
  if (!existsSync(configFile)) throw usageError(`config file ${configFile} does not exist`);
  let nodeId: number;
  try {
    nodeId = loadNodeConfig(configFile).nodeId;
  } catch (e) {
    if (e instanceof BrokerError) throw usageError(`invalid node config ${configFile}: ${e.message.replace(/^INVALID_CONFIG: /, '')}`);
    throw e;
  }
  if (nodeId !== id) throw usageError(`--id ${id} does not match nodeId ${nodeId} in ${configFile}`);
  const entryPoint = nodeEntryPoint();
  if (!existsSync(entryPoint)) throw new NodeNotBuiltError(entryPoint);

  const child = spawn(process.execPath, [entryPoint, '--config', configFile], { stdio: 'inherit' });
  const forward = () => child.kill('SIGTERM');
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((done) => {
    child.on('error', (e) => done(reportSpawnError(e)));
    child.on('exit', (exitCode, signal) => done(exitCode ?? (signal === 'SIGTERM' ? 0 : 1)));
  });
  if (code !== 0) throw new CliError(`node ${id} exited with code ${code}`, code);
}

function reportSpawnError(e: Error): number {
  process.stderr.write(`brokerlab: cannot start the node: ${e.message}\n`);
  return 1;
}
