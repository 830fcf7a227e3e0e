/**
 * A standalone Raft voter process for the raft benchmark (bench/raft.ts): file storage + gRPC
 * transport + driver, the same classes a node's metadata quorum runs on, with a trivial state
 * machine (how many entries were applied, and the last index) and the RaftClient service on the
 * same port as Raft traffic. It exists because a node offers no way to propose raw entries, so
 * the quorum's own throughput and failover time cannot be measured on real nodes; the behaviour
 * (election after a SIGKILL, catch-up, durability) is tested on real nodes instead
 * (test/integration/raft-quorum.test.ts).
 *
 *   node dist/src/node/raft-process.js --id 1 --peers 1=127.0.0.1:7001,2=127.0.0.1:7002,3=... \
 *     --dir /tmp/raft-1 [--tick-ms 25] [--election-ticks 12] [--heartbeat-ticks 2] [--log-file F]
 *
 * The process listens on its own entry of --peers. SIGTERM or SIGINT stops it cleanly (exit 0);
 * a storage failure stops it with exit code 1.
 */
import { Command, InvalidArgumentError } from 'commander';
import { systemClock } from '../common/clock.js';
import { createLogger, type Logger } from '../common/logger.js';
import { systemRandom } from '../common/random.js';
import { bindServer, createServer, stopServer } from '../net/grpc.js';
import { addRaftClientService } from '../net/raft-client-service.js';
import { GrpcRaftTransport } from '../net/raft-transport.js';
import { RaftDriver } from '../raft/driver.js';
import { FileRaftStorage } from '../raft/storage/index.js';
import type { Entry, NodeId } from '../raft/types.js';

interface RaftProcessOptions {
  id: NodeId;
  peers: Map<NodeId, { host: string; port: number }>;
  dir: string;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  maxInflightAppends: number;
  proposalTimeoutMs: number;
  logFile?: string;
  logLevel: string;
}

/** How long shutdown may take before the process gives up on a clean stop and exits with 1. */
const SHUTDOWN_BUDGET_MS = 5_000;

function parseOptions(argv: readonly string[]): RaftProcessOptions {
  const program = new Command('raft-process')
    .requiredOption('--id <n>', 'this node id', positiveInt)
    .requiredOption('--peers <list>', 'every voter as id=host:port, comma separated (this node included)', parsePeers)
    .requiredOption('--dir <path>', 'data directory')
    .option('--tick-ms <ms>', 'Raft tick length', positiveInt, 25)
    .option('--election-ticks <n>', 'election timeout in ticks', positiveInt, 12)
    .option('--heartbeat-ticks <n>', 'heartbeat interval in ticks', positiveInt, 2)
    .option('--max-inflight-appends <n>', 'unacknowledged appends per follower; fewer means larger batches', positiveInt, 4)
    .option('--proposal-timeout-ms <ms>', 'reject proposals not committed within this', positiveInt, 10_000)
    .option('--log-file <path>', 'write pino JSON logs here instead of stdout')
    .option('--log-level <level>', 'pino log level', 'info')
    .parse(argv, { from: 'user' });
  const o = program.opts<RaftProcessOptions>();
  if (!o.peers.has(o.id)) throw new InvalidArgumentError(`--peers has no address for this node (${o.id})`);
  return o;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function parsePeers(value: string): Map<NodeId, { host: string; port: number }> {
  const peers = new Map<NodeId, { host: string; port: number }>();
  for (const item of value.split(',')) {
    const match = /^(\d+)=([^:]+):(\d+)$/.exec(item.trim());
    if (!match) throw new InvalidArgumentError(`expected id=host:port, got "${item}"`);
    peers.set(Number(match[1]), { host: match[2]!, port: Number(match[3]) });
  }
  return peers;
}

/** The state machine: it only counts, which is all the tests and the benchmark need to compare nodes. */
class CountingStateMachine {
  appliedCount = 0;
  lastApplied = 0;

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) if (entry.type === 'normal') this.appliedCount++;
    this.lastApplied = entries[entries.length - 1]?.index ?? this.lastApplied;
  }
}

async function run(options: RaftProcessOptions, logger: Logger): Promise<void> {
  const self = options.peers.get(options.id)!;
  const voters = [...options.peers.keys()];
  const peerAddresses = new Map([...options.peers].filter(([id]) => id !== options.id).map(([id, p]) => [id, `${p.host}:${p.port}`]));
  const storage = new FileRaftStorage(options.dir, { logger });
  const transport = new GrpcRaftTransport({ id: options.id, peers: peerAddresses, logger });
  const machine = new CountingStateMachine();
  const driver = await RaftDriver.open({
    config: {
      id: options.id,
      voters,
      electionTicks: options.electionTicks,
      heartbeatTicks: options.heartbeatTicks,
      maxInflightAppends: options.maxInflightAppends,
      random: systemRandom,
      logger,
    },
    storage,
    transport,
    clock: systemClock,
    tickMs: options.tickMs,
    proposalTimeoutMs: options.proposalTimeoutMs,
    apply: (entries) => machine.apply(entries),
    logger,
  });

  const server = createServer();
  transport.addTo(server);
  addRaftClientService(
    server,
    {
      propose: (data) => driver.propose(data),
      status: () => {
        const s = driver.status();
        return { id: options.id, role: s.role, leaderId: s.leader, term: s.term, commitIndex: s.commitIndex, lastIndex: s.lastIndex, appliedIndex: s.appliedIndex, appliedCount: machine.appliedCount };
      },
    },
    logger,
  );
  const port = await bindServer(server, self.host, self.port);
  logger.info({ port, voters, dir: options.dir, tickMs: options.tickMs }, 'raft process started');

  let stopping = false;
  const shutdown = async (reason: string, exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'raft process stopping');
    setTimeout(() => process.exit(1), SHUTDOWN_BUDGET_MS).unref();
    await driver.stop();
    transport.close();
    await stopServer(server, 500);
    await storage.close().catch(() => undefined);
    logger.flush(() => process.exit(exitCode));
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  driver.onFatal((error) => {
    logger.fatal({ err: error }, 'raft process cannot continue');
    void shutdown('storage failure', 1);
  });
}

const options = parseOptions(process.argv.slice(2));
const logger = createLogger({ node: options.id, level: options.logLevel, ...(options.logFile ? { destination: options.logFile } : {}) });
run(options, logger).catch((error: unknown) => {
  logger.fatal({ err: error }, 'raft process failed to start');
  logger.flush(() => process.exit(1));
});
