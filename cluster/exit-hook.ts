/**
 * The last resort against leaked processes: whatever node children are still registered when this
 * process exits (a failed test, an uncaught error) get SIGKILL. 'exit' handlers must be synchronous,
 * and process.kill is.
 */
const children = new Set<number>();
let installed = false;

export function rememberChild(pid: number): void {
  children.add(pid);
  if (!installed) {
    installed = true;
    process.on('exit', killRemainingChildren);
  }
}

export function forgetChild(pid: number): void {
  children.delete(pid);
}

export function remainingChildren(): number[] {
  return [...children];
}

function killRemainingChildren(): void {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  children.clear();
}
