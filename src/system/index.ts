export { ActorSystem, type ActorSystemOptions } from "./actor-system.ts";
