import { readSchemas, type Schemas } from "./schemas.ts";

/**
 * Which methods of an actor class a message may reach, computed once per class
 * from its prototypes. Dispatch is a lookup in this table and nothing else, so a
 * message can never reach a constructor, a lifecycle hook, a private or `$` name,
 * an instance field, or anything inherited from Actor or Object.
 */
export type MethodKind = "call" | "stream";

export interface MethodEntry {
  readonly name: string;
  readonly kind: MethodKind;
  readonly fn: (...args: unknown[]) => unknown;
}

export interface DispatchTable {
  readonly methods: ReadonlyMap<string, MethodEntry>;
  /** The class's `receive(msgType, payload)`, for message types without a method. */
  readonly receive: ((msgType: string, payload: unknown) => unknown) | undefined;
  /** The class's `static schemas`, for messages from the network; undefined when it declares none. */
  readonly schemas: Schemas | undefined;
}

type AnyClass = abstract new (...args: never[]) => object;

/** Names that also live on every ref or promise; a method by one of them would break refs. */
const ALWAYS_RESERVED = ["constructor", "receive", "then", "catch", "finally", "toJSON"];

const AsyncGeneratorFunction = Object.getPrototypeOf(async function* () {}).constructor as Function;

export function isCallableName(name: string, reserved: ReadonlySet<string>): boolean {
  return name.length > 0 && name[0] !== "_" && name[0] !== "$" && !reserved.has(name);
}

export class DispatchTables {
  readonly #tables = new WeakMap<AnyClass, DispatchTable>();
  readonly #base: AnyClass;
  readonly #reserved: ReadonlySet<string>;

  /**
   * `base` is the Actor class: everything on its prototype chain is out of
   * reach; so is what `runtimeClasses` (subclasses the runtime provides, such
   * as Entity) define themselves.
   */
  constructor(base: AnyClass, runtimeClasses: readonly AnyClass[] = []) {
    this.#base = base;
    const reserved = new Set(ALWAYS_RESERVED);
    for (let proto: object | null = base.prototype; proto !== null; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) reserved.add(name);
    }
    for (const cls of runtimeClasses) for (const name of Object.getOwnPropertyNames(cls.prototype)) reserved.add(name);
    this.#reserved = reserved;
  }

  /** Whether a message may name `name` at all (an actor may still lack it). */
  isCallable(name: string): boolean {
    return isCallableName(name, this.#reserved);
  }

  of(cls: AnyClass): DispatchTable {
    let table = this.#tables.get(cls);
    if (table === undefined) {
      table = this.#build(cls);
      this.#tables.set(cls, table);
    }
    return table;
  }

  #build(cls: AnyClass): DispatchTable {
    const methods = new Map<string, MethodEntry>();
    let receive: DispatchTable["receive"];
    const stop = this.#base.prototype as object;
    // Walk from the class up to Actor; the nearest definition of a name wins.
    for (let proto: object | null = cls.prototype; proto !== null && proto !== stop; proto = Object.getPrototypeOf(proto)) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const value = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
        if (typeof value !== "function") continue; // getters and data are not messages
        if (name === "receive" && receive === undefined) receive = value as DispatchTable["receive"];
        if (methods.has(name) || !isCallableName(name, this.#reserved)) continue;
        const kind: MethodKind = value instanceof AsyncGeneratorFunction ? "stream" : "call";
        methods.set(name, { name, kind, fn: value as MethodEntry["fn"] });
      }
    }
    return { methods, receive, schemas: readSchemas(cls, methods, receive !== undefined) };
  }
}
