/** Where a command writes: the terminal, or a test's buffers. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** `out` is a terminal: screen-clearing codes are fine there. Absent means not (a pipe, a file, a test). */
  readonly outIsTerminal?: boolean;
  /** `err` is a terminal: a progress line redrawn with `\r` is fine there. */
  readonly errIsTerminal?: boolean;
  /**
   * Aborted once nobody reads `out` any more (its pipe closed, e.g. `| head -1`):
   * a command that keeps printing stops there and exits 0.
   */
  readonly outClosed?: AbortSignal;
}

const outClosed = new AbortController();
let errClosed = false;
let listening = false;

/**
 * A write to a closed pipe fails with EPIPE as an `error` event on the stream,
 * which, unhandled, ends the process with a stack trace. Handled, it only marks
 * the stream closed: later writes are dropped and commands see `outClosed`.
 * Installed at the first write, so that importing this module changes nothing.
 */
function listen(): void {
  if (listening) return;
  listening = true;
  process.stdout.on("error", () => outClosed.abort());
  process.stderr.on("error", () => {
    errClosed = true;
  });
}

export const stdio: Io = {
  out(text) {
    listen();
    if (!outClosed.signal.aborted) process.stdout.write(text);
  },
  err(text) {
    listen();
    if (!errClosed) process.stderr.write(text);
  },
  get outIsTerminal() {
    return process.stdout.isTTY === true;
  },
  get errIsTerminal() {
    return process.stderr.isTTY === true;
  },
  outClosed: outClosed.signal,
};

/** Waits `ms`, or less if `signal` aborts first. */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return Bun.sleep(ms);
  if (signal.aborted) return Promise.resolve();
  return new Promise((done) => {
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", finish);
      done();
    };
    const timer = setTimeout(finish, ms);
    signal.addEventListener("abort", finish, { once: true });
  });
}
