import type { Subprocess } from "bun";

export interface Peer {
  proc: Subprocess<"pipe", "pipe", "inherit">;
  /** The first line the peer printed: at least its address. */
  first: Record<string, unknown>;
  /** Every line after it, as it comes. */
  lines: Record<string, unknown>[];
}

const HERE = new URL(".", import.meta.url).pathname;
const started: Subprocess[] = [];

/** Starts `peers/<script>` and waits for its first JSON line; later lines collect in `lines`. */
export function startPeer(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<Peer> {
  return startProcess(`${HERE}${script}`, args, env);
}

/**
 * Starts `bun <path>` and waits for the first JSON line it prints; later lines
 * collect in `lines`. Its stdin stays open: a peer that exits when stdin closes
 * never outlives this process. Fails after `timeoutMs` without a first line.
 */
export async function startProcess(path: string, args: string[] = [], env: Record<string, string> = {}, timeoutMs = 15_000): Promise<Peer> {
  const proc = Bun.spawn(["bun", path, ...args], { stdin: "pipe", stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
  started.push(proc);
  const lines: Record<string, unknown>[] = [];
  const first = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let got = false;
    (async () => {
      let text = "";
      for await (const chunk of proc.stdout) {
        text += new TextDecoder().decode(chunk);
        for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n")) {
          const line = JSON.parse(text.slice(0, at)) as Record<string, unknown>;
          text = text.slice(at + 1);
          if (got) lines.push(line);
          else {
            got = true;
            resolve(line);
          }
        }
      }
      if (!got) reject(new Error(`${path} exited before it printed its first line`));
    })();
    setTimeout(() => {
      if (!got) {
        proc.kill(9);
        reject(new Error(`${path} printed nothing within ${timeoutMs} ms`));
      }
    }, timeoutMs).unref();
  });
  return { proc, first, lines };
}

/** Ends every process started here. */
export async function stopPeers(): Promise<void> {
  for (const proc of started.splice(0)) {
    proc.kill(9);
    await proc.exited;
  }
}
