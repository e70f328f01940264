import type { ActorsModule } from "./actors-module.ts";
// The executable embeds the example module: the default node serves exactly what examples/ shows.
import demo from "../../examples/demo-actors.ts";

/** What `pulsing node` runs without `--actors`: the demo actors, to look at and to call. */
export const defaultActors: ActorsModule = demo as ActorsModule;
