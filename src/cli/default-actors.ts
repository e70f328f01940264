import type { ActorsModule } from "./actors-module.ts";
import demo from "./demo-actors.ts";

/** What `pulsing node` runs without `--actors`: the demo actors, to look at and to call. */
export const defaultActors: ActorsModule = demo as ActorsModule;
