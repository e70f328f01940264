export { formatAddr, parseAddr, type HostPort } from "./address.ts";
export { ACTOR_PATH, MODE_HEADER, TIMEOUT_HEADER } from "./actor-route.ts";
export { Link, type LinkHost, type LinkSocket, type LinkTraffic } from "./link.ts";
export { ADDR_HEADER, LINK_PATH, Links, NODE_HEADER, PROTOCOL_HEADER, type LinksOptions } from "./links.ts";
export { type CallResult, RemoteCall, STREAM_WINDOW } from "./remote-call.ts";
export { linkRoute, type Route, routedRef, type RoutedRefOptions } from "./routed-ref.ts";
export { startServer, type NodeServer, type NodeServerOptions } from "./server.ts";
export { GossipSender } from "./gossip-network.ts";
export { AUTH_WINDOW_MS, bearerMatches, ClusterAuth } from "./auth.ts";
