import { ActorSystem, type EntityStore, type LogLevel, openStore } from "../index.ts";
import { LOG_LEVELS } from "../actor/index.ts";
import { type ActorsModule, ActorsModuleError, loadActorsModule, runActorsModule } from "./actors-module.ts";
import { defaultActors } from "./default-actors.ts";
import { LOG_FORMAT_ENV, LOG_FORMAT_HELP, LOG_FORMAT_OPTION, logFormatFlag, makeLogger } from "./log-format.ts";
import { defineCommand } from "./command.ts";
import { setUpTracing, type TracingSetup } from "./tracing-setup.ts";
import { type CommandSpec, DEFAULT_ADDR, endpointFlag, intFlag, TLS_ENV, TLS_HELP, TLS_OPTIONS, tlsFlags, urlFlag, UsageError } from "./usage.ts";

/** A stop that takes longer than this exits anyway, with code 1. */
const SHUTDOWN_LIMIT_MS = 10_000;

export const nodeSpec = {
  name: "node",
  summary: "Runs a pulsing node: serves actors over HTTP and links, and joins a cluster.",
  usage: "pulsing node [--addr HOST:PORT] [--advertise HOST:PORT] [--seeds HOST:PORT,...] [--actors PATH] [--secret S | --insecure] [--api-token T] [--data-dir DIR | --store URL] [--tls-cert F --tls-key F [--tls-ca F]] [--log-level LEVEL] [--log-format text|json] [--otlp-endpoint URL] [--trace]",
  options: {
    addr: { type: "string" },
    advertise: { type: "string" },
    seeds: { type: "string" },
    actors: { type: "string" },
    "log-level": { type: "string" },
    "ask-timeout-ms": { type: "string" },
    secret: { type: "string" },
    insecure: { type: "boolean" },
    "api-token": { type: "string" },
    "data-dir": { type: "string" },
    store: { type: "string" },
    "otlp-endpoint": { type: "string" },
    trace: { type: "boolean" },
    ...LOG_FORMAT_OPTION,
    ...TLS_OPTIONS,
  },
  env: {
    addr: "PULSING_ADDR",
    advertise: "PULSING_ADVERTISE",
    seeds: "PULSING_SEEDS",
    actors: "PULSING_ACTORS",
    "log-level": "PULSING_LOG_LEVEL",
    "ask-timeout-ms": "PULSING_ASK_TIMEOUT_MS",
    secret: "PULSING_SECRET",
    insecure: "PULSING_INSECURE",
    "api-token": "PULSING_API_TOKEN",
    "data-dir": "PULSING_DATA_DIR",
    store: "PULSING_STORE",
    trace: "PULSING_TRACE",
    ...LOG_FORMAT_ENV,
    ...TLS_ENV,
  },
  help: {
    addr: `where to listen (default ${DEFAULT_ADDR}; port 0 picks a free one; 0.0.0.0:PORT with --advertise)`,
    advertise: "the address other nodes dial, when it is not --addr (behind NAT, in a container, or binding 0.0.0.0); a host name is fine",
    seeds: "nodes to join through, comma-separated; a name that resolves to several addresses means all of them",
    actors: "a module that says what to spawn (default: the embedded demo actors)",
    "log-level": `${LOG_LEVELS.join(", ")} (default info)`,
    "ask-timeout-ms": "default timeout of asks, in ms (default 30000)",
    secret: "the cluster's shared secret (16+ characters; prefer the variable); required on an address other than loopback",
    insecure: "serve on an address other than loopback without a secret: anyone who reaches it is a peer",
    "api-token": "a bearer token POST /actor/{name} requires (8+ characters)",
    "data-dir": "where entity state lives in the embedded SQLite store (default ./pulsing-data)",
    store: "a postgres://… URL: entity state in PostgreSQL, shared by the cluster (entities that move between hosts need it)",
    "otlp-endpoint": "send traces over OTLP/HTTP to this base URL (…/v1/traces is added), like OTEL_EXPORTER_OTLP_ENDPOINT, which also turns it on",
    trace: "record spans for the dashboard's trace view even without an OTLP endpoint",
    ...LOG_FORMAT_HELP,
    ...TLS_HELP,
  },
} satisfies CommandSpec<Record<string, { type: "string" | "boolean" }>>;

/** Runs a node until SIGINT or SIGTERM; resolves with the exit code. */
export const runNode = defineCommand(nodeSpec, async ({ values }, io) => {
  const addr = endpointFlag(values.addr ?? DEFAULT_ADDR, "addr");
  const advertise = typeof values.advertise === "string" ? endpointFlag(values.advertise, "advertise") : undefined;
  const seeds =
    typeof values.seeds === "string"
      ? values.seeds
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s.length > 0)
          .map((s) => endpointFlag(s, "seeds"))
      : [];
  const level = (values["log-level"] ?? "info") as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(level)}`);
  const logFormat = logFormatFlag(values["log-format"], io.errIsTerminal === true);
  const askTimeoutMs = intFlag(values["ask-timeout-ms"], "ask-timeout-ms", 1, 2_147_483_647, 30_000);
  const tls = tlsFlags(values);

  let actors: ActorsModule;
  try {
    actors = typeof values.actors === "string" ? await loadActorsModule(values.actors) : defaultActors;
  } catch (error) {
    if (error instanceof ActorsModuleError) {
      io.err(`pulsing node: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const logger = makeLogger(logFormat, level, (line) => io.err(`${line}\n`));
  const otlpEndpoint = typeof values["otlp-endpoint"] === "string" ? urlFlag(values["otlp-endpoint"], "otlp-endpoint") : undefined;
  // Before the node starts, so that its first call is traced too.
  const tracing: TracingSetup | undefined = setUpTracing({ ...(otlpEndpoint === undefined ? {} : { endpoint: otlpEndpoint }), record: values.trace === true, env: process.env });
  if (tracing?.warning !== undefined) logger.warn("tracing variables", { problem: tracing.warning });
  // Signals count from the start: one that comes while the node starts stops it as soon as it has.
  let signalled: string | undefined;
  let onSignal: (signal: string) => void = (signal) => {
    signalled ??= signal;
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  let system: ActorSystem | undefined;
  let store: EntityStore | undefined;
  try {
    store = openStore(typeof values.store === "string" ? values.store : undefined, typeof values["data-dir"] === "string" ? values["data-dir"] : "./pulsing-data");
  } catch (error) {
    io.err(`pulsing node: ${(error as Error).message}\n`);
    return 1;
  }
  try {
    const secret = typeof values.secret === "string" ? values.secret : undefined;
    const apiToken = typeof values["api-token"] === "string" ? values["api-token"] : undefined;
    system = await ActorSystem.start({
      addr,
      ...(advertise === undefined ? {} : { advertise }),
      seeds,
      logger,
      askTimeoutMs,
      ...(secret === undefined ? {} : { secret }),
      ...(values.insecure === true ? { insecure: true } : {}),
      ...(apiToken === undefined ? {} : { apiToken }),
      ...(tls === undefined ? {} : { tls }),
      store,
    });
    await runActorsModule(system, actors);
  } catch (error) {
    io.err(`pulsing node: cannot start: ${(error as Error).message}\n`);
    // It may have joined already: leave properly (that closes the store too).
    if (system === undefined) await store.close();
    else await system.shutdown();
    await tracing?.shutdown().catch((error: unknown) => logger.warn("traces not all sent", { error }));
    return 1;
  }
  const running = system;
  // Secrets are never logged: only whether they are set.
  logger.info("node started", { node: running.nodeId, addr: running.addr, listening: addr, seeds, actors: values.actors ?? "(embedded demo)", store: typeof values.store === "string" && /^postgres(ql)?:/i.test(values.store) ? "postgres" : `sqlite in ${values["data-dir"] ?? "./pulsing-data"}`, tracing: tracing === undefined ? "off" : `${tracing.exportsTo ?? "dashboard only"}, ${tracing.sampler}`, secret: values.secret !== undefined, apiToken: values["api-token"] !== undefined, tls: tls === undefined ? "off" : tls.ca === undefined ? "on" : "mutual" });
  io.out(
    [
      `pulsing node ${running.nodeId} serving on ${running.addr}`,
      `  dashboard  ${tls === undefined ? "http" : "https"}://${running.addr}/`,
      `  metrics    ${tls === undefined ? "http" : "https"}://${running.addr}/metrics`,
      `  members    pulsing inspect members --endpoint ${running.addr}`,
      values.actors === undefined ? `  try        pulsing ask ${running.addr} demo/counter inc 2` : "",
      values.actors === undefined ? `             curl -s ${running.addr}/actor/demo/counter -d '{"msg_type":"inc","payload":[2]}'` : "",
      values.actors === undefined ? `             curl -s ${running.addr}/entity/counter/alice -d '{"msg_type":"inc","payload":[1]}'` : "",
      "",
    ]
      .filter((line, i, all) => line !== "" || i === all.length - 1)
      .join("\n"),
  );

  return new Promise<number>((done) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn("second signal: exiting now", { signal });
        done(1);
        return;
      }
      stopping = true;
      logger.info("stopping", { signal });
      const limit = setTimeout(() => {
        logger.error("shutdown took too long; exiting", { limitMs: SHUTDOWN_LIMIT_MS });
        done(1);
      }, SHUTDOWN_LIMIT_MS);
      // The node first, then what it traced while it stopped: the exporter sends what is still batched.
      running
        .shutdown()
        .then(() => tracing?.shutdown().catch((error: unknown) => logger.warn("traces not all sent", { error })))
        .then(
        () => {
          clearTimeout(limit);
          logger.info("stopped");
          done(0);
        },
        (error: unknown) => {
          clearTimeout(limit);
          logger.error("shutdown failed", { error });
          done(1);
        },
      );
    };
    onSignal = stop;
    if (signalled !== undefined) stop(signalled);
  });
});
