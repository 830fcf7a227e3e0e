/**
 * CPU profiling for node processes a benchmark does not start itself (the supervisor spawns the
 * nodes, and `--cpu-prof` is not allowed in NODE_OPTIONS): loaded with
 * `NODE_OPTIONS=--import=<dist/bench/_cpu-profile-hook.js>`, it starts the V8 profiler and writes
 * `<BROKERLAB_BENCH_PROFILE_DIR>/<script>-<pid>.cpuprofile` when the process exits. An in-process
 * inspector session answers synchronously, so the 'exit' handler can stop the profiler and write.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, join } from 'node:path';

const dir = process.env['BROKERLAB_BENCH_PROFILE_DIR'];
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  const name = `${basename(process.argv[1] ?? 'node', '.js')}-${process.pid}.cpuprofile`;
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, name), JSON.stringify(result.profile));
    });
  });
}
