/**
 * The sampler the standard variables name (OpenTelemetry's SDK environment
 * variables: OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG). The 3.x trace SDK
 * leaves reading them to whoever sets it up; the executable does it here.
 */
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace";

export const SAMPLERS = ["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The spec's default: follow the caller's decision, sample every trace that starts here. */
export const DEFAULT_SAMPLER: SamplerName = "parentbased_always_on";

export interface SamplerChoice {
  name: SamplerName;
  /** The ratio, for the ratio samplers. */
  ratio?: number;
  sampler: Sampler;
  /** What was wrong with the variables, when something was (the default stood in). */
  warning?: string;
}

/** The sampler for `env`; an unknown name or a bad ratio falls back as the spec says, with a warning. */
export function samplerFromEnv(env: Record<string, string | undefined>): SamplerChoice {
  const warnings: string[] = [];
  const asked = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  let name: SamplerName = DEFAULT_SAMPLER;
  if (asked !== undefined && asked !== "") {
    if ((SAMPLERS as readonly string[]).includes(asked)) name = asked as SamplerName;
    else warnings.push(`OTEL_TRACES_SAMPLER=${JSON.stringify(asked.slice(0, 64))} is not one of ${SAMPLERS.join(", ")}: using ${DEFAULT_SAMPLER}`);
  }
  const choice: Omit<SamplerChoice, "sampler"> = { name };
  let sampler: Sampler;
  switch (name) {
    case "always_on":
      sampler = new AlwaysOnSampler();
      break;
    case "always_off":
      sampler = new AlwaysOffSampler();
      break;
    case "parentbased_always_on":
      sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() });
      break;
    case "parentbased_always_off":
      sampler = new ParentBasedSampler({ root: new AlwaysOffSampler() });
      break;
    default: {
      const ratio = ratioOf(env.OTEL_TRACES_SAMPLER_ARG, warnings);
      choice.ratio = ratio;
      const byRatio = new TraceIdRatioBasedSampler(ratio);
      sampler = name === "traceidratio" ? byRatio : new ParentBasedSampler({ root: byRatio });
    }
  }
  return warnings.length === 0 ? { ...choice, sampler } : { ...choice, sampler, warning: warnings.join("; ") };
}

/** OTEL_TRACES_SAMPLER_ARG as a ratio in [0, 1]; 1 when it is missing or not one. */
function ratioOf(arg: string | undefined, warnings: string[]): number {
  if (arg === undefined || arg.trim() === "") return 1;
  const ratio = Number(arg);
  if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) return ratio;
  warnings.push(`OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(arg.slice(0, 32))} is not a ratio between 0 and 1: using 1`);
  return 1;
}
