/** GETs a node's JSON route within 5 s; anything but a 2xx JSON answer is an error that says so. */
export async function fetchJson(url: string, init: RequestInit): Promise<unknown> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  if (!response.ok || !(response.headers.get("content-type") ?? "").startsWith("application/json")) throw new Error(`${url} answered ${response.status}: is it a pulsing node?`);
  return response.json();
}
