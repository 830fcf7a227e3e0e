/**
 * Redraws a view on a timer until stopped: on a terminal it repaints the screen in place; piped, it
 * appends each frame after a blank line (or, with `appendWhenPiped` false, draws nothing).
 */

export interface LiveView {
  stop(): void;
}

export interface LiveViewOptions {
  intervalMs: number;
  tty: boolean;
  appendWhenPiped: boolean;
  out?: NodeJS.WritableStream;
}

const CLEAR_SCREEN = '\u001b[H\u001b[2J';
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';

export function startLiveView(frame: () => Promise<string>, options: LiveViewOptions): LiveView {
  const out = options.out ?? process.stdout;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let first = true;
  if (options.tty) out.write(HIDE_CURSOR);

  const draw = async () => {
    if (stopped) return;
    let text: string;
    try {
      text = await frame();
    } catch (e) {
      text = `cannot read the cluster's status: ${(e as Error).message}\n`;
    }
    if (stopped) return;
    if (options.tty) out.write(CLEAR_SCREEN + text);
    else if (options.appendWhenPiped) out.write((first ? '' : '\n') + text);
    first = false;
    // Schedule after drawing, so a slow status never piles up overlapping draws.
    timer = setTimeout(draw, options.intervalMs);
  };
  void draw();

  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (options.tty) out.write(SHOW_CURSOR);
    },
  };
}
