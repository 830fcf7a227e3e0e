/**
 * The machine's own limits, measured in the same run as a benchmark so its figures can be read
 * against them: a shared, noisy machine gives different absolute numbers from hour to hour, and
 * a ratio to what the hardware did at the same moment is the comparable figure.
 *
 * - loopback TCP: one node:net socket pair on 127.0.0.1 pushing 64 KiB writes. Both ends live in
 *   this one process, so it is what one Node process can move through loopback, not the kernel's
 *   ceiling; that is the relevant bound for node processes talking over loopback.
 * - sequential disk write: 1 MiB writes into a file under os.tmpdir() (where the benchmarks keep
 *   their data), made durable with fdatasync, the time including the final sync.
 *
 * Each is bounded by size (256 MiB) and by time (about 1 s), so together they take under 3 s even
 * on a slow disk or a busy machine.
 */
import { randomFillSync } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MAX_BYTES = 256 * 1024 * 1024;
const MAX_MS = 1000;
const SOCKET_WRITE_BYTES = 64 * 1024;
const DISK_WRITE_BYTES = 1024 * 1024;
/** Syncing in steps bounds how much unflushed data the time limit can leave for the final sync. */
const DISK_SYNC_EVERY_BYTES = 64 * 1024 * 1024;

export interface Throughput {
  mbPerSecond: number;
  bytes: number;
  seconds: number;
}

export interface MachineLimits {
  loopbackTcp: Throughput;
  diskWrite: Throughput & { dir: string };
}

export async function measureLoopbackTcp(maxBytes = MAX_BYTES, maxMs = MAX_MS): Promise<Throughput> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  let client: Socket | undefined;
  try {
    const received = new Promise<{ bytes: number; endedAt: number }>((resolve, reject) => {
      server.once('connection', (socket) => {
        let bytes = 0;
        socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
        socket.once('end', () => resolve({ bytes, endedAt: performance.now() }));
        socket.once('error', reject);
      });
    });
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    client = socket;
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const chunk = Buffer.alloc(SOCKET_WRITE_BYTES, 0x5a);
    const started = performance.now();
    let sent = 0;
    while (sent < maxBytes && performance.now() - started < maxMs) {
      sent += chunk.length;
      // Waiting for 'drain' keeps the amount buffered in this process bounded, as a real sender must.
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
    const { bytes, endedAt } = await received;
    const seconds = (endedAt - started) / 1000;
    return { mbPerSecond: bytes / seconds / 1e6, bytes, seconds };
  } finally {
    client?.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

export function measureDiskWrite(maxBytes = MAX_BYTES, maxMs = MAX_MS): Throughput & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'brokerlab-bench-disk-'));
  try {
    const fd = openSync(join(dir, 'sequential'), 'w');
    try {
      // Random bytes, so no layer below can get away with writing less than was asked.
      const block = randomFillSync(Buffer.alloc(DISK_WRITE_BYTES));
      const started = performance.now();
      let written = 0;
      let unsynced = 0;
      while (written < maxBytes && performance.now() - started < maxMs) {
        const n = writeSync(fd, block);
        written += n;
        unsynced += n;
        if (unsynced >= DISK_SYNC_EVERY_BYTES) {
          fdatasyncSync(fd);
          unsynced = 0;
        }
      }
      fdatasyncSync(fd);
      const seconds = (performance.now() - started) / 1000;
      return { mbPerSecond: written / seconds / 1e6, bytes: written, seconds, dir: tmpdir() };
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureMachine(): Promise<MachineLimits> {
  const loopbackTcp = await measureLoopbackTcp();
  const diskWrite = measureDiskWrite();
  return { loopbackTcp, diskWrite };
}

/** One line to print beside a benchmark's figures. */
export function describeMachine(limits: MachineLimits): string {
  const part = (t: Throughput): string => `${Math.round(t.mbPerSecond).toLocaleString('en-US')} MB/s (${Math.round(t.bytes / 1e6)} MB in ${t.seconds.toFixed(2)} s)`;
  return `machine limits in this run: loopback TCP ${part(limits.loopbackTcp)}; sequential disk write with fsync ${part(limits.diskWrite)} under ${limits.diskWrite.dir}`;
}

/** `figure` as a percentage of `limit`, for "x MB/s is y % of what the machine moves". */
export function percentOf(figure: number, limit: Throughput): string {
  const percent = (figure / limit.mbPerSecond) * 100;
  return `${percent.toFixed(percent < 1 ? 2 : 1)} %`;
}

/** The limits for the closing JSON line, rounded. */
export function machineFigures(limits: MachineLimits): { loopbackTcpMBps: number; diskWriteMBps: number } {
  return { loopbackTcpMBps: Math.round(limits.loopbackTcp.mbPerSecond), diskWriteMBps: Math.round(limits.diskWrite.mbPerSecond) };
}
