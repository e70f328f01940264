/**
 * Runs Prometheus' promtool (Debian's `prometheus` package, which .ci/run
 * installs). Missing, it throws: the tests that use it fail, never skip.
 */
export async function promtool(args: string[], input?: string): Promise<{ code: number; output: string }> {
  const path = Bun.which("promtool");
  if (path === null) throw new Error("promtool is missing: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does");
  const child = Bun.spawn([path, ...args], { stdin: input === undefined ? "ignore" : new Blob([input]), stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, output: `${stdout}${stderr}` };
}
