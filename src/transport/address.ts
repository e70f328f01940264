import { ActorError } from "../actor/index.ts";

export interface HostPort {
  hostname: string;
  port: number;
}

/** Parses `host:port` (`[::1]:9000` for IPv6); port 0 means "pick a free one". */
export function parseAddr(addr: unknown): HostPort {
  if (typeof addr !== "string") throw new ActorError("INVALID_OPTION", `an address is "host:port", got ${String(addr)}`);
  const at = addr.lastIndexOf(":");
  const host = addr.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const portText = addr.slice(at + 1);
  const port = Number(portText);
  if (at <= 0 || host.length === 0 || !/^\d+$/.test(portText) || port > 65535 || /[\s/]/.test(host)) {
    throw new ActorError("INVALID_OPTION", `an address is "host:port", got ${JSON.stringify(addr)}`);
  }
  return { hostname: host, port };
}

export function formatAddr({ hostname, port }: HostPort): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}
