import { afterAll, describe, expect, test } from "bun:test";
import type { Subprocess } from "bun";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { ActorSystem } from "pulsing";
import { nodeSpec } from "../../src/cli/node-command.ts";
import { DEFAULT_ADDR, endpointFlag, parseCommand } from "../../src/cli/usage.ts";
import { parseAddr } from "../../src/transport/index.ts";
import { until } from "../helpers.ts";
import { promtool } from "../ops/promtool-run.ts";

/**
 * The deployment files of deploy/: a Dockerfile, Kubernetes manifests, a
 * systemd unit. Nothing here runs Docker, Kubernetes or systemd; what can be
 * checked without them is: the files parse, they name only variables
 * `pulsing node` reads, the numbers and names that must agree across them do
 * (ports, labels, secret keys, the build's output), and what they rely on from
 * a node holds on a real one (the probe paths, readiness only once joined, the
 * actors module, SIGTERM within the grace period).
 */

const ROOT = resolve(import.meta.dir, "../..");
const DEPLOY = join(ROOT, "deploy");
const read = (path: string) => readFileSync(join(DEPLOY, path), "utf8");

/** Every variable `pulsing node` reads. */
const NODE_VARIABLES = new Set<string>(Object.values(nodeSpec.env));
/** How long a node may take to leave and exit after SIGTERM (node-command.ts, docs/deploy.md). */
const NODE_STOP_LIMIT_S = 10;

// --- Kubernetes --------------------------------------------------------------

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface Probe {
  httpGet?: { path: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  env?: EnvVar[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number } } };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: {
    // Service
    clusterIP?: string;
    publishNotReadyAddresses?: boolean;
    selector?: Record<string, string> | { matchLabels: Record<string, string> };
    ports?: { name?: string; port: number; targetPort?: number | string }[];
    // Deployment
    replicas?: number;
    template?: {
      metadata: { labels: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds?: number;
        containers: Container[];
        volumes?: { name: string; configMap?: { name: string } }[];
      };
    };
  };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

const KUBERNETES_FILES = readdirSync(join(DEPLOY, "kubernetes"))
  .filter((file) => file.endsWith(".yaml") || file.endsWith(".yml"))
  .sort();

/** Every document of every manifest file; a YAML error throws, naming the file. */
function manifests(): (Manifest & { file: string })[] {
  return KUBERNETES_FILES.flatMap((file) =>
    read(`kubernetes/${file}`)
      .split(/^---[ \t]*$/m)
      .filter((text) => text.replace(/#.*$/gm, "").trim() !== "")
      .map((text) => {
        try {
          return { ...(Bun.YAML.parse(text) as Manifest), file };
        } catch (error) {
          throw new Error(`deploy/kubernetes/${file}: ${(error as Error).message}`);
        }
      }),
  );
}

function one(kind: string, predicate: (m: Manifest) => boolean = () => true): Manifest {
  const found = manifests().filter((m) => m.kind === kind && predicate(m));
  expect(found.length, `one ${kind} in deploy/kubernetes`).toBe(1);
  return found[0] as Manifest;
}

function podTemplate(): NonNullable<NonNullable<Manifest["spec"]>["template"]> {
  const template = one("Deployment").spec?.template;
  if (template === undefined) throw new Error("the Deployment has no pod template");
  return template;
}

function container(): Container {
  const containers = podTemplate().spec.containers;
  expect(containers.length).toBe(1);
  return containers[0] as Container;
}

/** The container's one port: its number and name. */
function containerPort(): { port: number; name: string | undefined } {
  const ports = container().ports ?? [];
  expect(ports.length).toBe(1);
  const [port] = ports as [{ name?: string; containerPort: number }];
  return { port: port.containerPort, name: port.name };
}

/** A probe's or targetPort's port, by number or by the container port's name, as a number. */
function portNumber(port: number | string | undefined): number | undefined {
  const own = containerPort();
  if (typeof port === "number") return port;
  return port !== undefined && port === own.name ? own.port : undefined;
}

/**
 * The container's environment as Kubernetes gives it: `$(NAME)` expands a
 * variable defined above it (one defined below, or not at all, stays as
 * written: a mistake, reported); downward-API fields and secret keys come
 * from `fields` and `secrets`.
 */
function containerEnv(fields: Record<string, string>, secrets: Record<string, string>): { env: Record<string, string>; unresolved: string[] } {
  const env: Record<string, string> = {};
  const unresolved: string[] = [];
  for (const entry of container().env ?? []) {
    let value: string | undefined;
    if (entry.value !== undefined) {
      value = entry.value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string | undefined) => {
        if (name === undefined) return "$";
        if (env[name] !== undefined) return env[name];
        unresolved.push(`${entry.name} uses $(${name}), not defined above it`);
        return whole;
      });
    } else if (entry.valueFrom?.fieldRef !== undefined) {
      value = fields[entry.valueFrom.fieldRef.fieldPath];
      if (value === undefined) unresolved.push(`${entry.name}: field ${entry.valueFrom.fieldRef.fieldPath}`);
    } else if (entry.valueFrom?.secretKeyRef !== undefined) {
      value = secrets[entry.valueFrom.secretKeyRef.key];
    }
    if (value !== undefined) env[entry.name] = value;
  }
  return { env, unresolved };
}

const POD_FIELDS = { "status.podIP": "10.1.2.3", "metadata.namespace": "pulsing-test" };
const SECRET = "s3cret-for-the-deploy-files-test-0123456789";

function selectorOf(manifest: Manifest): Record<string, string> {
  const selector = manifest.spec?.selector;
  if (selector === undefined) throw new Error(`${manifest.kind} ${manifest.metadata.name} has no selector`);
  return "matchLabels" in selector ? (selector.matchLabels as Record<string, string>) : (selector as Record<string, string>);
}

// --- Dockerfile --------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** The Dockerfile's instructions, by stage: continuation lines joined, comments dropped. */
function dockerStages(): { from: string; name: string | undefined; instructions: Instruction[] }[] {
  const lines = read("Dockerfile")
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const [op = "", ...rest] = line.split(/\s+/);
    const args = rest.join(" ");
    if (op.toUpperCase() === "FROM") {
      const [image = "", as, name] = args.split(/\s+/);
      stages.push({ from: image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile: ${op} before FROM`);
      stage.instructions.push({ op: op.toUpperCase(), args });
    }
  }
  return stages;
}

/** The final stage's HEALTHCHECK command (exec form: the image has no shell), when it has one. */
function healthcheckCommand(): string[] | undefined {
  const check = dockerStages()
    .at(-1)
    ?.instructions.find((i) => i.op === "HEALTHCHECK")?.args;
  if (check === undefined) return undefined;
  const at = check.indexOf("CMD ");
  expect(at, "HEALTHCHECK ... CMD [...]").toBeGreaterThan(-1);
  return JSON.parse(check.slice(at + 4)) as string[];
}

/** `COPY [--flags] SRC... DEST`: the flags, sources and destination. */
function copyArgs(args: string): { flags: string[]; sources: string[]; dest: string } {
  const words = args.trim().startsWith("[") ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = words.filter((word) => word.startsWith("--"));
  const paths = words.filter((word) => !word.startsWith("--"));
  return { flags, sources: paths.slice(0, -1), dest: paths.at(-1) ?? "" };
}

/** The `--outfile` of package.json's "build" script. */
function buildScript(): { script: string; outfile: string } {
  const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.build ?? "";
  const outfile = /--outfile[ =](\S+)/.exec(script)?.[1];
  if (outfile === undefined) throw new Error(`package.json's build script names no --outfile: ${script}`);
  return { script, outfile };
}

// --- systemd -----------------------------------------------------------------

/** The unit's settings, key -> values in order; `#Key=value` lines (commented-out settings) are kept apart. */
function unitFile(): { sections: Map<string, Map<string, string[]>>; commented: Map<string, string[]> } {
  const sections = new Map<string, Map<string, string[]>>();
  const commented = new Map<string, string[]>();
  let section: Map<string, string[]> | undefined;
  for (const raw of read("systemd/pulsing.service").split("\n")) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = new Map();
      sections.set(header[1] as string, section);
      continue;
    }
    const setting = /^(#|;)?\s*([A-Za-z]+)=(.*)$/.exec(line);
    if (setting === null || section === undefined) continue;
    const [, comment, key, value] = setting as unknown as [string, string | undefined, string, string];
    const into = comment === undefined ? section : commented;
    into.set(key, [...(into.get(key) ?? []), value.trim()]);
  }
  return { sections, commented };
}

/** `Environment=` values: `A=1 "B=2 3"` -> {A: "1", B: "2 3"}. */
function environmentAssignments(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    for (const match of value.matchAll(/"([^"]*)"|(\S+)/g)) {
      const word = match[1] ?? match[2] ?? "";
      const at = word.indexOf("=");
      if (at > 0) env[word.slice(0, at)] = word.slice(at + 1);
    }
  }
  return env;
}

/** `KEY=value` lines of an environment file (comments and blank lines skipped). */
function envFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match !== null) env[match[1] as string] = (match[2] as string).trim().replace(/^"(.*)"$/, "$1");
  }
  return env;
}

/** Reads a node's configuration as `pulsing node` does, up to starting it: a UsageError throws. */
function nodeConfig(argv: string[], env: Record<string, string>): { addr: string; advertise: string | undefined; seeds: string[]; values: Record<string, unknown> } {
  const { values, positionals } = parseCommand(nodeSpec, argv, env);
  expect(positionals).toEqual([]);
  return {
    addr: endpointFlag(values.addr ?? DEFAULT_ADDR, "addr"),
    advertise: typeof values.advertise === "string" ? endpointFlag(values.advertise, "advertise") : undefined,
    seeds: typeof values.seeds === "string" ? values.seeds.split(",").map((seed) => endpointFlag(seed.trim(), "seeds")) : [],
    values,
  };
}

const UNSPECIFIED = new Set(["0.0.0.0", "::"]);

// --- the tests ---------------------------------------------------------------

describe("deploy/kubernetes", () => {
  test("every YAML document parses, with a kind, an API version and a name: a Secret, a ConfigMap, two Services, a Deployment", () => {
    expect(KUBERNETES_FILES.length).toBeGreaterThan(0);
    const all = manifests();
    for (const manifest of all) {
      expect(typeof manifest.apiVersion, `${manifest.file}: apiVersion`).toBe("string");
      expect(typeof manifest.kind, `${manifest.file}: kind`).toBe("string");
      expect(manifest.metadata?.name, `${manifest.file}: metadata.name`).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    expect(all.map((m) => m.kind).sort()).toEqual(["ConfigMap", "Deployment", "Secret", "Service", "Service"]);
    // Names are unique per kind, or the second would replace the first.
    const names = all.map((m) => `${m.kind}/${m.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  test("the container's environment names only variables pulsing node reads, and $(NAME) only variables defined above", () => {
    const names = (container().env ?? []).map((entry) => entry.name);
    const pulsing = names.filter((name) => name.startsWith("PULSING_"));
    expect(pulsing.length).toBeGreaterThan(0);
    for (const name of pulsing) expect(NODE_VARIABLES.has(name), `${name} is read by pulsing node`).toBe(true);
    const { unresolved } = containerEnv(POD_FIELDS, { "cluster-secret": SECRET });
    expect(unresolved).toEqual([]);
  });

  test("the pod's environment is a configuration the node accepts: bind 0.0.0.0, advertise the pod IP, seeds = the headless Service, on the container's port", () => {
    const { port } = containerPort();
    const { env } = containerEnv(POD_FIELDS, { "cluster-secret": SECRET });
    const config = nodeConfig([], env);
    expect(parseAddr(config.addr).port).toBe(port);
    // A node bound to every interface must advertise where it is reached: the pod's IP, with the same port.
    if (UNSPECIFIED.has(parseAddr(config.addr).hostname)) expect(config.advertise).toBeDefined();
    expect(config.advertise).toBe(`${POD_FIELDS["status.podIP"]}:${port}`);
    expect(config.values.secret).toBe(SECRET);

    // The seed is the headless Service's name in the pod's own namespace; its DNS gives pod IPs, so the port is the container's.
    const headless = one("Service", (m) => m.spec?.clusterIP === "None");
    expect(config.seeds).toEqual([`${headless.metadata.name}.${POD_FIELDS["metadata.namespace"]}.svc.cluster.local:${port}`]);
    expect(headless.spec?.publishNotReadyAddresses).toBe(true);

    // The module the node loads is the ConfigMap's file, where the volume mounts it.
    const configMap = one("ConfigMap");
    const volume = podTemplate().spec.volumes?.find((v) => v.configMap?.name === configMap.metadata.name);
    expect(volume, `a volume of the ConfigMap ${configMap.metadata.name}`).toBeDefined();
    const mount = container().volumeMounts?.find((m) => m.name === volume?.name);
    expect(mount, `the container mounts volume ${volume?.name}`).toBeDefined();
    const keys = Object.keys(configMap.data ?? {});
    expect(keys.map((key) => `${mount?.mountPath}/${key}`)).toContain(config.values.actors as string);
  });

  test("probes: /ready for readiness and /health for liveness, on the container's port; the Services target it too", () => {
    const { port } = containerPort();
    const { readinessProbe, livenessProbe } = container();
    expect(readinessProbe?.httpGet?.path).toBe("/ready");
    expect(livenessProbe?.httpGet?.path).toBe("/health");
    expect(portNumber(readinessProbe?.httpGet?.port)).toBe(port);
    expect(portNumber(livenessProbe?.httpGet?.port)).toBe(port);
    const services = manifests().filter((m) => m.kind === "Service");
    for (const service of services) {
      for (const servicePort of service.spec?.ports ?? []) {
        expect(portNumber(servicePort.targetPort ?? servicePort.port), `${service.metadata.name}: targetPort`).toBe(port);
      }
    }
  });

  test("selectors: the Deployment's and every Service's select the pod template's labels", () => {
    const labels = podTemplate().metadata.labels;
    for (const manifest of manifests().filter((m) => m.kind === "Service" || m.kind === "Deployment")) {
      const selector = selectorOf(manifest);
      expect(Object.keys(selector).length, `${manifest.kind} ${manifest.metadata.name} selects something`).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(selector)) expect(labels[key], `${manifest.kind} ${manifest.metadata.name}: ${key}`).toBe(value);
    }
  });

  test("the Secret the pod reads exists with the key it reads, and its placeholder is one the node refuses", async () => {
    const refs = (container().env ?? []).flatMap((entry) => (entry.valueFrom?.secretKeyRef === undefined ? [] : [entry.valueFrom.secretKeyRef]));
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) {
      const secret = one("Secret", (m) => m.metadata.name === ref.name);
      expect(Object.keys({ ...secret.data, ...secret.stringData })).toContain(ref.key);
    }
    // Applied unchanged, the example must not give a working cluster with a published secret.
    const [ref] = refs as [{ name: string; key: string }];
    const example = one("Secret", (m) => m.metadata.name === ref.name);
    const placeholder = example.stringData?.[ref.key] ?? Buffer.from(example.data?.[ref.key] ?? "", "base64").toString();
    await expect(ActorSystem.start({ addr: "127.0.0.1:0", secret: placeholder })).rejects.toThrow(/at least 16 characters/);
  });

  test("shutdown: the grace period covers the preStop pause and the node's own 10 s; 2+ replicas, since a lone node with seeds never gets ready", () => {
    const spec = podTemplate().spec;
    const pause = container().lifecycle?.preStop?.sleep?.seconds ?? 0;
    expect(pause).toBeGreaterThan(0);
    expect(spec.terminationGracePeriodSeconds ?? 30).toBeGreaterThanOrEqual(pause + NODE_STOP_LIMIT_S);
    expect(one("Deployment").spec?.replicas ?? 1).toBeGreaterThanOrEqual(2);
  });
});

describe("deploy/prometheus.yml", () => {
  interface ScrapeConfig {
    job_name: string;
    metrics_path?: string;
    static_configs?: { targets: string[] }[];
    kubernetes_sd_configs?: { role: string; selectors?: { role: string; label?: string }[] }[];
    relabel_configs?: { source_labels?: string[]; regex?: string; action?: string }[];
  }
  const config = () => Bun.YAML.parse(read("prometheus.yml")) as { scrape_configs: ScrapeConfig[] };

  test("promtool check config passes (Debian's promtool has no Kubernetes discovery: it checks the rest, the test below that job)", async () => {
    const path = join(DEPLOY, "prometheus.yml");
    let { code, output } = await promtool(["check", "config", "--syntax-only", path]);
    if (code !== 0 && output.includes("field kubernetes_sd_configs not found")) {
      const dir = mkdtempSync(join(tmpdir(), "pulsing-prometheus-"));
      try {
        const rest = { ...config(), scrape_configs: config().scrape_configs.filter((job) => job.kubernetes_sd_configs === undefined) };
        // JSON is YAML: promtool reads it as written.
        writeFileSync(join(dir, "prometheus.yml"), JSON.stringify(rest));
        ({ code, output } = await promtool(["check", "config", "--syntax-only", join(dir, "prometheus.yml")]));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (code !== 0) throw new Error(`promtool check config failed:\n${output}`);
    expect(output).toContain("SUCCESS");
  });

  test("every job scrapes /metrics on the nodes' port; the Kubernetes job selects the pod template's labels and keeps its port by name", () => {
    const jobs = config().scrape_configs;
    for (const job of jobs) expect(job.metrics_path ?? "/metrics").toBe("/metrics");
    const targets = jobs.flatMap((job) => job.static_configs ?? []).flatMap((c) => c.targets);
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) expect(parseAddr(target).port).toBe(parseAddr(DEFAULT_ADDR).port);

    const kubernetes = jobs.filter((job) => job.kubernetes_sd_configs !== undefined);
    expect(kubernetes.length).toBe(1);
    const job = kubernetes[0] as ScrapeConfig;
    const selectors = (job.kubernetes_sd_configs ?? []).flatMap((sd) => (sd.role === "pod" ? (sd.selectors ?? []) : []));
    const labels = podTemplate().metadata.labels;
    const service = one("Service", (m) => m.metadata.name === "pulsing");
    expect(selectors.map((s) => s.label)).toEqual(Object.entries(service.spec?.selector ?? {}).map(([key, value]) => `${key}=${value}`));
    for (const selector of selectors) {
      const [key, value] = (selector.label as string).split("=");
      expect(labels[key as string]).toBe(value as string);
    }
    const keepPort = (job.relabel_configs ?? []).find((r) => r.action === "keep" && r.source_labels?.includes("__meta_kubernetes_pod_container_port_name"));
    expect(keepPort?.regex).toBe(containerPort().name as string);
  });
});

describe("deploy/Dockerfile", () => {
  test("the build stage runs package.json's build script on the Bun this runs on; the final stage ships only its output, as `pulsing node`", () => {
    const stages = dockerStages();
    expect(stages.length).toBe(2);
    const [build, final] = stages as [(typeof stages)[0], (typeof stages)[0]];
    // The executable embeds the Bun that builds it: the image's tag is the Bun the tests run on.
    expect(build.from).toMatch(/^oven\/bun:/);
    expect(build.from.slice("oven/bun:".length).split("-")[0]).toBe(Bun.version);
    const runs = build.instructions.filter((i) => i.op === "RUN").map((i) => i.args);
    expect(runs.some((run) => /\bbun install\b.*--frozen-lockfile/.test(run))).toBe(true);
    const { script, outfile } = buildScript();
    expect(script).toContain("bun build --compile");
    expect(runs.some((run) => /\bbun run build\b/.test(run) || run.includes(script))).toBe(true);

    // The final stage copies the build's output, and an empty data directory the node's user owns
    // (where the embedded SQLite store lives: PULSING_DATA_DIR), and nothing else.
    const workdir = build.instructions.filter((i) => i.op === "WORKDIR").at(-1)?.args ?? "/";
    const allCopies = final.instructions.filter((i) => i.op === "COPY" || i.op === "ADD").map((i) => copyArgs(i.args));
    const dataDir = final.instructions.find((i) => i.op === "ENV" && i.args.startsWith("PULSING_DATA_DIR="))?.args.split("=")[1];
    expect(dataDir).toBe("/data");
    const dataCopies = allCopies.filter((c) => c.dest === dataDir);
    expect(dataCopies.length).toBe(1);
    expect(dataCopies[0]?.flags).toContain(`--chown=${final.instructions.find((i) => i.op === "USER")?.args}`);
    expect(final.instructions.some((i) => i.op === "VOLUME" && i.args === dataDir)).toBe(true);
    const copies = allCopies.filter((c) => c.dest !== dataDir);
    expect(copies.length).toBe(1);
    const [copy] = copies as [ReturnType<typeof copyArgs>];
    expect(copy.flags).toContain(`--from=${build.name}`);
    expect(copy.sources).toEqual([join(workdir, outfile)]);
    const entrypoint = JSON.parse(final.instructions.find((i) => i.op === "ENTRYPOINT")?.args ?? "null") as string[] | null;
    expect(entrypoint).toEqual([copy.dest, "node"]);

    // Not root.
    const user = final.instructions.filter((i) => i.op === "USER").at(-1)?.args ?? "root";
    expect(user).toMatch(/^[1-9]\d*(:\d+)?$/);
  });

  test("the image listens where it says: PULSING_ADDR's port is the EXPOSEd one and the HEALTHCHECK's; binding 0.0.0.0 documents PULSING_ADVERTISE", () => {
    const text = read("Dockerfile");
    const final = dockerStages().at(-1);
    if (final === undefined) throw new Error("no stage");
    const env: Record<string, string> = {};
    for (const instruction of final.instructions.filter((i) => i.op === "ENV")) Object.assign(env, environmentAssignments([instruction.args]));
    const config = nodeConfig([], { ...env, PULSING_SECRET: SECRET });
    const { hostname, port } = parseAddr(config.addr);
    const exposed = final.instructions.filter((i) => i.op === "EXPOSE").map((i) => Number.parseInt(i.args, 10));
    expect(exposed).toEqual([port]);
    // The node refuses 0.0.0.0 without an advertised address: whoever runs the image must be told to give one.
    if (UNSPECIFIED.has(hostname)) expect(text).toContain("PULSING_ADVERTISE");

    // The health check runs the executable against its default node, which must be this one's port.
    const command = healthcheckCommand();
    if (command !== undefined) {
      const entrypoint = JSON.parse(final.instructions.find((i) => i.op === "ENTRYPOINT")?.args ?? "[]") as string[];
      expect(command[0]).toBe(entrypoint[0] as string);
      expect(command[1]).toBe("inspect");
      expect(command.some((word) => word.startsWith("--endpoint"))).toBe(false);
      expect(parseAddr(DEFAULT_ADDR).port).toBe(port);
    }
  });

  test("the build stage copies every file the build reads, and installs every package it bundles", async () => {
    const [build] = dockerStages();
    if (build === undefined) throw new Error("no stage");
    const copied = build.instructions.filter((i) => i.op === "COPY").flatMap((i) => copyArgs(i.args).sources.map((source) => source.replace(/\/$/, "")));
    const production = build.instructions.some((i) => i.op === "RUN" && /\bbun install\b.*(--production|-p\b)/.test(i.args));

    // What the build script bundles, from its entry point (the script's first .ts argument).
    const entry = buildScript().script.split(/\s+/).find((word) => /\.tsx?$/.test(word));
    if (entry === undefined) throw new Error("no entry point in the build script");
    const result = await Bun.build({ entrypoints: [join(ROOT, entry)], target: "bun", metafile: true, throw: false });
    expect(result.logs.filter((log) => log.level === "error").map(String)).toEqual([]);
    const meta = (typeof result.metafile === "string" ? JSON.parse(result.metafile) : result.metafile) as { inputs: Record<string, unknown> };
    const inputs = Object.keys(meta.inputs).map((input) => relative(ROOT, resolve(process.cwd(), input)));
    expect(inputs).toContain(entry);

    const installed = productionPackages();
    for (const input of inputs) {
      const inModules = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
      if (inModules !== null) {
        if (production) expect(installed.has(inModules[1] as string), `${input}: ${inModules[1]} is a (transitive) dependency, installed by bun install --production`).toBe(true);
        continue;
      }
      expect(
        copied.some((source) => input === source || input.startsWith(`${source}/`)),
        `${input} is copied into the build stage`,
      ).toBe(true);
    }
  });
});

/** The packages `bun install --production` installs: the dependencies, and theirs. */
function productionPackages(): Set<string> {
  const manifest = (dir: string) =>
    JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
  const found = new Set<string>();
  const queue = Object.keys({ ...manifest(ROOT).dependencies, ...manifest(ROOT).optionalDependencies });
  while (queue.length > 0) {
    const name = queue.pop() as string;
    if (found.has(name)) continue;
    found.add(name);
    try {
      const own = manifest(join(ROOT, "node_modules", name));
      queue.push(...Object.keys({ ...own.dependencies, ...own.optionalDependencies }));
    } catch {
      // not installed here (an optional dependency for another platform)
    }
  }
  return found;
}

describe("deploy/systemd", () => {
  test("the unit runs `pulsing node` as a user, with variables the node reads, the secret only in its EnvironmentFile", () => {
    const { sections, commented } = unitFile();
    const service = sections.get("Service");
    if (service === undefined) throw new Error("no [Service] section");
    const [execStart, ...more] = service.get("ExecStart") ?? [];
    expect(more).toEqual([]);
    const argv = (execStart ?? "").split(/\s+/);
    expect(argv[0]).toMatch(/^\/.*\/pulsing$/);
    expect(argv[1]).toBe("node");
    expect(service.get("User")?.[0] ?? "root").not.toBe("root");

    const set = environmentAssignments(service.get("Environment") ?? []);
    const offered = environmentAssignments(commented.get("Environment") ?? []);
    const fileVariables = envFile(read("systemd/pulsing.env"));
    const named = [...Object.keys(set), ...Object.keys(offered), ...Object.keys(fileVariables)];
    expect(named).toContain("PULSING_ADDR");
    for (const name of named) expect(NODE_VARIABLES.has(name), `${name} is read by pulsing node`).toBe(true);
    // Secrets are not inline: `systemctl show` prints Environment= to anyone.
    expect(Object.keys(set)).not.toContain("PULSING_SECRET");
    expect(Object.keys(set)).not.toContain("PULSING_API_TOKEN");
    expect(service.get("EnvironmentFile")?.[0]).toMatch(/^\//);
    expect(Object.keys(fileVariables)).toContain("PULSING_SECRET");

    // With a secret in its file, the unit's configuration is one the node accepts.
    const config = nodeConfig(argv.slice(2), { ...set, ...fileVariables, PULSING_SECRET: SECRET });
    if (UNSPECIFIED.has(parseAddr(config.addr).hostname)) expect(config.advertise).toBeDefined();
    expect(config.seeds.length).toBeGreaterThan(0);

    // SIGTERM, and more time than the node's own limit before systemd kills it.
    expect(service.get("KillSignal")?.[0] ?? "SIGTERM").toBe("SIGTERM");
    expect(Number.parseInt(service.get("TimeoutStopSec")?.[0] ?? "90", 10)).toBeGreaterThan(NODE_STOP_LIMIT_S);
  });
});

describe("every deploy file", () => {
  test("names only variables pulsing node reads (comments included)", () => {
    const files = ["Dockerfile", "systemd/pulsing.service", "systemd/pulsing.env", ...KUBERNETES_FILES.map((file) => `kubernetes/${file}`)];
    for (const file of files) {
      for (const [name] of read(file).matchAll(/\bPULSING_[A-Z0-9_]+/g)) {
        expect(NODE_VARIABLES.has(name), `deploy/${file} names ${name}, which pulsing node does not read`).toBe(true);
      }
    }
  });
});

// --- on real nodes -----------------------------------------------------------

const started: Subprocess[] = [];
const scratch = mkdtempSync(join(tmpdir(), "pulsing-deploy-files-"));

afterAll(async () => {
  for (const proc of started) {
    proc.kill(9);
    await proc.exited;
  }
  rmSync(scratch, { recursive: true, force: true });
});

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

/** `bun src/cli/main.ts ARGS`, with exactly `env` for PULSING_* (none inherited). */
function cli(args: string[], env: Record<string, string>): Subprocess<"ignore", "pipe", "pipe"> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("PULSING_")));
  return Bun.spawn([process.execPath, join(ROOT, "src/cli/main.ts"), ...args], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...inherited, ...env } });
}

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}

test(
  "two nodes run with the Deployment's environment: the probes answer, /ready only once joined; the ConfigMap's actors serve; SIGTERM exits 0 within the grace period",
  async () => {
    // The pod's environment, as on a pod whose IP is 127.0.0.1: the seed name
    // stands for what the headless Service resolves to (both nodes), and each
    // node gets its own free port for the container's.
    const { port: podPort } = containerPort();
    const [portA, portB] = [freePort(), freePort()];
    const configMap = one("ConfigMap");
    const moduleKey = Object.keys(configMap.data ?? {})[0] as string;
    const modulePath = join(scratch, moduleKey);
    writeFileSync(modulePath, configMap.data?.[moduleKey] as string);
    const podEnv = (port: number) => {
      const { env } = containerEnv({ ...POD_FIELDS, "status.podIP": "127.0.0.1" }, { "cluster-secret": SECRET });
      const swap = (addr: string | undefined) => {
        const parsed = parseAddr(addr);
        expect(parsed.port).toBe(podPort);
        return `${UNSPECIFIED.has(parsed.hostname) ? "127.0.0.1" : parsed.hostname}:${port}`;
      };
      return {
        ...env,
        PULSING_ADDR: swap(env.PULSING_ADDR),
        PULSING_ADVERTISE: swap(env.PULSING_ADVERTISE),
        PULSING_SEEDS: `127.0.0.1:${portA},127.0.0.1:${portB}`,
        PULSING_ACTORS: modulePath,
        // The Deployment mounts a volume at its data directory; here, a scratch one of each node's own.
        PULSING_DATA_DIR: (expect(env.PULSING_DATA_DIR).toBe("/data"), join(scratch, `data-${port}`)),
      };
    };
    const ready = container().readinessProbe?.httpGet?.path as string;
    const live = container().livenessProbe?.httpGet?.path as string;

    const a = cli(["node"], podEnv(portA));
    started.push(a);
    await until(async () => a.exitCode !== null || (await get(`http://127.0.0.1:${portA}${live}`)).status === 200, "node A to serve", 15_000, 100);
    if (a.exitCode !== null) throw new Error(`node A exited ${a.exitCode}: ${await new Response(a.stderr).text()}`);
    // Alone (its other seed is not up yet), it serves but is not ready.
    const alone = await get(`http://127.0.0.1:${portA}${ready}`);
    expect(alone.status).toBe(503);
    expect(String(alone.body.reason)).toContain("not joined");

    const b = cli(["node"], podEnv(portB));
    started.push(b);
    await until(
      async () => (await get(`http://127.0.0.1:${portA}${ready}`)).status === 200 && (await get(`http://127.0.0.1:${portB}${ready}`)).status === 200,
      "both nodes to be ready",
      15_000,
      100,
    );
    expect((await get(`http://127.0.0.1:${portB}${live}`)).status).toBe(200);

    // The ConfigMap's module runs: its actor answers over HTTP.
    const put = await fetch(`http://127.0.0.1:${portA}/actor/kv/store`, { method: "POST", body: JSON.stringify({ msg_type: "put", payload: ["greeting", "hello"] }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ result: 1 });

    // The Docker HEALTHCHECK's command succeeds against a node, and fails once it is gone.
    const healthArgs = (healthcheckCommand() ?? ["/pulsing", "inspect", "members"]).slice(1);
    const healthy = cli(healthArgs, { PULSING_ENDPOINT: `127.0.0.1:${portA}` });
    expect(await healthy.exited).toBe(0);

    // SIGTERM, as the kubelet sends after the preStop pause; and as the kubelet, SIGKILL
    // once what is left of the grace period is over. The node exits 0 by itself.
    const grace = podTemplate().spec.terminationGracePeriodSeconds ?? 30;
    const pause = container().lifecycle?.preStop?.sleep?.seconds ?? 0;
    a.kill("SIGTERM");
    const kubelet = setTimeout(() => a.kill("SIGKILL"), (grace - pause) * 1000);
    expect(await a.exited).toBe(0);
    expect(a.signalCode).toBeNull();
    clearTimeout(kubelet);
    const unhealthy = cli(healthArgs, { PULSING_ENDPOINT: `127.0.0.1:${portA}` });
    expect(await unhealthy.exited).not.toBe(0);

    // The other node lives on, and stops the same way.
    expect((await get(`http://127.0.0.1:${portB}${live}`)).status).toBe(200);
    b.kill("SIGTERM");
    expect(await b.exited).toBe(0);
  },
  60_000,
);
