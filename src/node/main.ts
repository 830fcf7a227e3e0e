#!/usr/bin/env node
/**
 * The node executable: `node dist/src/node/main.js --config FILE`. Loads the config, starts the
 * node (run-node.ts builds it), and stops it cleanly on SIGTERM or SIGINT (a controlled shutdown
 * that moves leaderships away first), on a second signal at once, and when the process that
 * started it is gone. An uncaught exception or a failed metadata log ends the process with 1.
 *
 * Importing this module starts nothing; it re-exports `runNode` for `brokerlab node`, which runs a
 * node inside its own process.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../common/logger.js';
import { loadNodeConfig, type NodeConfig } from './config.js';
import { runNode } from './run-node.js';

export { runNode, type RunningNode } from './run-node.js';

function parseArgs(argv: readonly string[]): { configPath: string } {
  const i = argv.indexOf('--config');
  const configPath = i >= 0 ? argv[i + 1] : undefined;
  if (!configPath) {
    process.stderr.write('usage: node dist/src/node/main.js --config FILE\n');
    process.exit(2);
  }
  return { configPath };
}

async function main(): Promise<void> {
  const { configPath } = parseArgs(process.argv.slice(2));
  let config: NodeConfig;
  try {
    config = loadNodeConfig(configPath);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const logger = createLogger({ node: config.nodeId, level: config.logLevel, ...(config.logFile ? { destination: config.logFile } : {}) });
  process.on('uncaughtException', (e) => {
    logger.fatal({ err: e }, 'uncaught exception; exiting');
    logger.flush();
    process.exit(1);
  });
  const node = await runNode(config, logger);
  node.runtime.driver.onFatal((e) => {
    logger.fatal({ err: e }, 'metadata log failed; exiting');
    logger.flush();
    process.exit(1);
  });
  let signals = 0;
  const onSignal = (signal: string): void => {
    if (++signals > 1) process.exit(1);
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), config.timing.requestTimeoutMs + 5_000);
    node.stop(true).then(() => {
      clearTimeout(force);
      logger.flush();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  exitWithParent(process.env['BROKERLAB_EXIT_WITH_PARENT'], () => onSignal('parent exited'));
}

/**
 * A node started for a test or a foreground cluster stops when the process that owns it is gone,
 * so a test runner killed mid-test leaves nothing running. (Paused nodes check once resumed.)
 */
function exitWithParent(parentPid: string | undefined, stop: () => void): void {
  const pid = Number(parentPid);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const timer = setInterval(() => {
    try {
      process.kill(pid, 0);
    } catch {
      clearInterval(timer);
      stop();
    }
  }, 1_000);
  timer.unref();
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) void main();
