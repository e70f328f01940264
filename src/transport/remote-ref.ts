import { ActorError, checkTimeout, deadlines, type Lane } from "../actor/index.ts";
import type { Link } from "./link.ts";
import type { Links } from "./links.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** Names a ref never answers with a message function: a ref must not look like a promise or JSON. */
const NOT_MESSAGES = new Set(["then", "catch", "finally", "toJSON", "constructor", "valueOf", "inspect"]);

function isMessageName(prop: string | symbol): prop is string {
  return typeof prop === "string" && prop.length > 0 && prop[0] !== "_" && prop[0] !== "$" && !NOT_MESSAGES.has(prop);
}

/**
 * A ref to a named actor on another node. Its class is not known here, so any
 * method name becomes a call; the remote node decides what the name means. A
 * call is sent at once; awaiting it gets the reply, iterating it reads a stream.
 */
export function remoteRef(links: Links, addr: string, name: string, lane: Lane): unknown {
  const id = `${name}@${addr}`;
  const methods = new Map<string, (...args: unknown[]) => unknown>();
  let cached: Link | undefined;
  const link = (): Link => (cached !== undefined && cached.usable ? cached : (cached = links.to(addr)));
  const call = (type: string, payload: unknown) => link().call(name, type, payload, lane).result;
  const send = (type: string, payload: unknown): Promise<void> => {
    link().tell(name, type, payload);
    return RESOLVED;
  };
  const tells = new Proxy(Object.create(null) as object, {
    get: (_target, prop) => (isMessageName(prop) ? (...args: unknown[]) => send(prop, args) : undefined),
  });
  const base = {
    $name: name,
    $id: id,
    $addr: addr,
    $tell: tells,
    $withTimeout: (timeoutMs: number) => remoteRef(links, addr, name, deadlines.lane(checkTimeout(timeoutMs))),
    $ask: (msgType: string, payload?: unknown) =>
      typeof msgType === "string" ? call(msgType, payload) : Promise.reject(new ActorError("BAD_REQUEST", "a message type must be a string")),
    $send: (msgType: string, payload?: unknown) => send(String(msgType), payload),
    toString: () => `ActorRef(${id})`,
  };
  return new Proxy(base, {
    get(target, prop) {
      if (Object.hasOwn(target, prop)) return target[prop as keyof typeof target];
      if (!isMessageName(prop)) return undefined;
      let method = methods.get(prop);
      if (method === undefined) {
        method = (...args: unknown[]) => call(prop, args);
        methods.set(prop, method);
      }
      return method;
    },
  });
}
