#!/usr/bin/env node
/** The `brokerlab` executable: runs one verb; any failure is one line on stderr and a non-zero exit. */
import { buildProgram } from './program.js';
import { exitAfterOutput, reportAndExit } from './errors.js';

buildProgram()
  .parseAsync(process.argv)
  .then(() => {
    // Verbs that return are done; gRPC channels or timers must not keep the process alive.
    exitAfterOutput(Number(process.exitCode ?? 0));
  })
  .catch(reportAndExit);
