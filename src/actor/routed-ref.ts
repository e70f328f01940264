import type { Lane } from "./deadlines.ts";
import { LANE, RefBase, TARGET, WITH_LANE } from "./ref-base.ts";
import { isMessageName } from "./runtime.ts";
import type { MessageTarget } from "./target.ts";

// Symbol keys: the Proxy forwards them to this object (private fields would not reach it through the Proxy).
const ROUTE = Symbol("pulsing.route");
const TELLS = Symbol("pulsing.tells");

/** The object behind a routed ref's Proxy: the `$` members, over a target known by name only. */
class RoutedRef extends RefBase {
  declare [ROUTE]: MessageTarget;
  declare [TELLS]: object | undefined;

  get [TARGET](): MessageTarget {
    return this[ROUTE];
  }

  [WITH_LANE](lane: Lane): RefBase {
    return routedRef(this[ROUTE], lane) as RefBase;
  }

  get $tell(): object {
    const target = this[ROUTE];
    return (this[TELLS] ??= new Proxy(Object.create(null) as object, {
      get: (_tells, prop) => (typeof prop === "string" && isMessageName(prop) ? (...args: unknown[]) => target.send(prop, args) : undefined),
    }));
  }
}

/**
 * A ref whose actor's class is not known here: a named actor on another node,
 * or a name anywhere in the cluster. Any name a message may carry becomes a
 * call (the node that has the actor decides what it means); the `$` members are
 * every ref's. Awaiting a call gets the reply; iterating it reads a stream.
 */
export function routedRef(target: MessageTarget, lane: Lane): unknown {
  const base = new RoutedRef();
  base[ROUTE] = target;
  base[LANE] = lane;
  const methods = new Map<string, (...args: unknown[]) => unknown>();
  return new Proxy(base, {
    get(object, prop, receiver) {
      // A message method made before is the common case: one lookup. (Only message
      // names are cached, and none of them is a `$` member or a name of the ref's own.)
      const known = typeof prop === "string" ? methods.get(prop) : undefined;
      if (known !== undefined) return known;
      // The `$` members, symbols and toString are the ref's own; the rest are messages.
      if (typeof prop === "symbol" || prop in object) return Reflect.get(object, prop, receiver);
      if (!isMessageName(prop)) return undefined;
      const method = (...args: unknown[]) => target.call(prop, args, object[LANE], false);
      methods.set(prop, method);
      return method;
    },
  });
}
