// The out-of-cluster client: `import { connect } from "pulsing/client"`.
export { Client, type ClientOptions, type ClientResolveOptions, connect } from "./client.ts";
export { ActorError, type ActorRef, type ErrorCode } from "../actor/index.ts";
