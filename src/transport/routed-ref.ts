import { ActorError, checkTimeout, deadlines, deliver, deliverAsk, deliverTell, type Lane, type Logger } from "../actor/index.ts";
import type { Link } from "./link.ts";
import { failedCall } from "./remote-call.ts";

const RESOLVED: Promise<void> = Promise.resolve();

/** Where one call goes: a local actor's ref, a link to the node that has it, or nowhere. */
export type Route = { readonly local: unknown } | { readonly link: Link } | { readonly error: ActorError };

/** Names a ref never answers with a message function: a ref must not look like a promise or JSON. */
const NOT_MESSAGES = new Set(["then", "catch", "finally", "toJSON", "constructor", "valueOf", "inspect"]);

function isMessageName(prop: string | symbol): prop is string {
  return typeof prop === "string" && prop.length > 0 && prop[0] !== "_" && prop[0] !== "$" && !NOT_MESSAGES.has(prop);
}

export interface RoutedRefOptions {
  name: string;
  /** What `$id` says: `name@addr` for a fixed node, the name for a cluster-wide ref. */
  id: string;
  lane: Lane;
  /** Picks where each call goes, at the time of the call. */
  route: () => Route;
  /** Where tells that cannot go anywhere are reported. */
  logger: Logger;
}

/**
 * A ref whose actor's class is not known here: a named actor on another node,
 * or a name anywhere in the cluster. Any method name becomes a call; the node
 * that has the actor decides what the name means. Each call is routed when it is
 * made, so a cluster-wide ref moves on when the instance it used goes away. A
 * call is sent at once; awaiting it gets the reply, iterating it reads a stream.
 */
export function routedRef(options: RoutedRefOptions): unknown {
  const { name, id, lane, route, logger } = options;
  /** A method call (`askOnly` false) may answer a stream; `$ask` may not. */
  const call = (type: string, payload: unknown, askOnly: boolean): unknown => {
    const to = route();
    if ("link" in to) return to.link.call(name, type, payload, lane, askOnly).result;
    if (!("local" in to)) return failedCall(to.error);
    if (askOnly) return deliverAsk(to.local, type, payload, lane);
    try {
      const delivery = deliver(to.local, type, payload, lane);
      return delivery.stream ? delivery.items : delivery.result;
    } catch (error) {
      return failedCall(error);
    }
  };
  const send = (type: string, payload: unknown): Promise<void> => {
    const to = route();
    if ("link" in to) to.link.tell(name, type, payload);
    else if ("local" in to) return deliverTell(to.local, type, payload);
    else logger.warn("dead letter", { actor: name, message: type, why: to.error.message });
    return RESOLVED;
  };
  const methods = new Map<string, (...args: unknown[]) => unknown>();
  const tells = new Proxy(Object.create(null) as object, {
    get: (_target, prop) => (isMessageName(prop) ? (...args: unknown[]) => send(prop, args) : undefined),
  });
  const base = {
    $name: name,
    $id: id,
    $tell: tells,
    $withTimeout: (timeoutMs: number) => routedRef({ ...options, lane: deadlines.lane(checkTimeout(timeoutMs)) }),
    $ask: (msgType: string, payload?: unknown) =>
      typeof msgType === "string" ? (call(msgType, payload, true) as Promise<unknown>) : Promise.reject(new ActorError("BAD_REQUEST", "a message type must be a string")),
    $send: (msgType: string, payload?: unknown) => send(String(msgType), payload),
    toString: () => `ActorRef(${id})`,
  };
  return new Proxy(base, {
    get(target, prop) {
      if (Object.hasOwn(target, prop)) return target[prop as keyof typeof target];
      if (!isMessageName(prop)) return undefined;
      let method = methods.get(prop);
      if (method === undefined) {
        method = (...args: unknown[]) => call(prop, args, false);
        methods.set(prop, method);
      }
      return method;
    },
  });
}

/** The route to one node: its link, kept (and its route object with it) while usable. */
export function linkRoute(open: () => Link): () => Route {
  let route: { readonly link: Link } | undefined;
  return () => {
    if (route === undefined || !route.link.usable) route = { link: open() };
    return route;
  };
}
