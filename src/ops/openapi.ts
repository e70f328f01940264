/**
 * The OpenAPI 3.1 document of every HTTP route a node serves. It is data in a
 * module, not a file read at run time, because the executable (`bun build
 * --compile`) bundles src/ and has no docs/ beside it. docs/openapi.json is
 * written from it (scripts/openapi.ts), and test/ops/openapi.test.ts calls each
 * route of a live node and checks every answer against it, so it cannot drift
 * from the code.
 */
// Imported as JSON so that the executable embeds the version (as the CLI's usage does).
import packageJson from "../../package.json" with { type: "json" };
import { ERROR_CODES, type NodeExtension, statusOf } from "../system/index.ts";

/** Every error code and the HTTP status that answers it, from the code that answers. */
const ERROR_STATUS: Readonly<Record<string, number>> = Object.fromEntries(ERROR_CODES.map((code) => [code, statusOf(code)]));

const JSON_TYPE = "application/json";
const MSGPACK_TYPE = "application/msgpack";
const NDJSON_TYPE = "application/x-ndjson";
const MSGPACK_STREAM_TYPE = "application/vnd.pulsing.msgpack-stream";

type Json = Record<string, unknown>;

const schema = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const response = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
const parameter = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });

/** The statuses of the table, ascending. */
const ERROR_STATUSES = [...new Set(Object.values(ERROR_STATUS))].sort((a, b) => a - b);

/** The codes answered with `status`, in the order of the table. */
const codesAt = (status: number): string[] => Object.keys(ERROR_STATUS).filter((code) => ERROR_STATUS[code] === status);

/** Same schema, each media type: an actor answers in the request's encoding. */
const inEncodings = (body: Json, types: readonly string[] = [JSON_TYPE, MSGPACK_TYPE]): Json => Object.fromEntries(types.map((type) => [type, { schema: body }]));

/**
 * The error body restricted to the codes one status carries, so that a
 * validator (and a reader) knows which codes each status of a call route
 * can hold.
 */
const errorWithCodes = (codes: readonly string[]): Json => ({
  type: "object",
  allOf: [schema("Error")],
  properties: { error: { type: "object", properties: { code: { enum: codes } } } },
});

/**
 * The error responses of the call routes (`POST /actor/{name}`, `POST
 * /entity/{kind}/{key}`), by name (`Error<status>`): one per
 * status of the code table, and the refusals made before the body is read (413,
 * 415). Errors come in the request's encoding, but for those made before it is
 * known.
 */
function actorErrorResponses(): Record<string, Json> {
  const why: Record<number, string> = {
    400: "The request is wrong: a malformed body or one of the wrong shape (`BAD_REQUEST`), a message the actor does not handle (`UNKNOWN_MESSAGE`), an invalid actor name or entity kind or key (`INVALID_NAME`) or option (`INVALID_OPTION`).",
    401: "The node has an API token and the request did not carry it as `Authorization: Bearer <token>` (always JSON).",
    404: "No instance of the actor exists anywhere in the cluster (after waiting `x-wait-ms`, if given); for an entity, no member hosts its kind.",
    413: "The body is over `limits.maxMessageBytes` (4 MiB by default); beyond twice that, the server refuses it before reading, with an empty 413 (always JSON).",
    415: "The content type is neither JSON nor msgpack (always JSON).",
    429: "Too many calls wait for names to appear on this node (`x-wait-ms`, `limits.maxNameWaits`), or the node hosting the actor has too many calls from this one in progress (`limits.maxInFlightPerPeer`).",
    500: "The handler threw (`HANDLER_ERROR`, with the thrown error's `errorName`), or its result cannot be encoded; a handler may also throw an `ActorError` with a code of its own.",
    502: "The node that hosts the actor (an entity's owner), or the node pinned with `x-node`, cannot be reached.",
    503: "The actor's mailbox is full (`MAILBOX_FULL`), the actor stopped (`ACTOR_STOPPED`: an entity passivating or moving), the node is shutting down (`SHUTTING_DOWN`), or an entity's key moved to another member while the call was on its way (`ENTITY_MOVED`: nothing ran, retry).",
    504: "The call did not finish within its timeout (`x-timeout-ms`, else the node's `askTimeoutMs`).",
  };
  const jsonOnly = new Set([401, 413, 415]);
  const out: Record<string, Json> = {};
  for (const status of [...ERROR_STATUSES, 413, 415].sort((a, b) => a - b)) {
    const beforeBody = status === 413 || status === 415;
    const codes = beforeBody ? ["BAD_REQUEST"] : codesAt(status);
    out[`Error${status}`] = {
      description: `${why[status] ?? "An error."} Codes: ${codes.map((code) => `\`${code}\``).join(", ")}.`,
      content: inEncodings(schema(beforeBody ? "BadRequestError" : `Error${status}`), jsonOnly.has(status) ? [JSON_TYPE] : [JSON_TYPE, MSGPACK_TYPE]),
    };
  }
  return out;
}

const ACTOR_ERRORS = actorErrorResponses();

/** A request option, as a header and as a query parameter (the header wins when both are given). */
function option(header: string, query: string, valueSchema: Json, description: string): Record<string, Json> {
  const name = (text: string) => text.replace(/(^|[-_])(\w)/g, (_all, _sep: string, letter: string) => letter.toUpperCase());
  return {
    [`${name(header.replace(/^x-/, ""))}Header`]: { name: header, in: "header", required: false, schema: valueSchema, description },
    [`${name(query)}Query`]: { name: query, in: "query", required: false, schema: valueSchema, description: `The \`${header}\` header as a query parameter; the header wins when both are given.` },
  };
}

/** The options of every call: its mode and its timeout. */
const CALL_OPTIONS: Record<string, Json> = {
  ...option("x-message-mode", "mode", schema("MessageMode"), "`tell`: fire-and-forget, answered `202 {\"accepted\": true}` once this node took the message; a failure later (here, or at the node it was forwarded to) is only logged. `ask` (the default) waits for the answer; any other value is `400 INVALID_OPTION`."),
  ...option("x-timeout-ms", "timeout_ms", { type: "number", exclusiveMinimum: 0 }, "This call's timeout, in ms (default: the node's `askTimeoutMs`, 30 s); longer than `limits.maxCallTimeoutMs` (5 min) is cut to it. For a stream, each step's."),
  TraceparentHeader: {
    name: "traceparent",
    in: "header",
    required: false,
    schema: { type: "string" },
    description: "The caller's W3C trace context. When the node traces (an OpenTelemetry SDK is registered), the call's spans join this trace; a malformed or over-long value (over 128 characters) is ignored. Without an SDK it is ignored.",
  },
  TracestateHeader: { name: "tracestate", in: "header", required: false, schema: { type: "string" }, description: "The W3C `tracestate` that goes with `traceparent` (over 1,024 characters: ignored)." },
};

/** The header an answer carries when the node traces: the node's span of the call, in the caller's trace when it sent one. */
const TRACE_HEADERS: Json = {
  traceparent: { description: "Only when the node traces: the W3C trace context of the node's span of this call (in the caller's trace when it sent `traceparent`).", schema: { type: "string" } },
};

/** The options that choose which instance of a name gets the call (`POST /actor/{name}` only: an entity's key decides). */
const ROUTE_OPTIONS: Record<string, Json> = {
  ...option("x-policy", "policy", schema("PolicyName"), "Which instance gets the call when the name has several and none is on this node (default `round-robin`)."),
  ...option("x-policy-key", "key", { type: "string", maxLength: 256 }, "For `consistent-hash`: calls with one key go to one instance while it lives."),
  ...option("x-node", "node", { type: "string", maxLength: 256 }, "Pins the call to one node, by node id or `host:port`: `502 NODE_UNREACHABLE` when it is not an alive member, `404 ACTOR_NOT_FOUND` when it has no such actor."),
  ...option("x-wait-ms", "wait_ms", { type: "number", minimum: 0 }, "When no instance exists yet, wait up to this many ms (at most `limits.maxCallTimeoutMs`) for one to appear anywhere in the cluster, then call it; `404` after that (default 0: answer from what is known now). Past `limits.maxNameWaits` calls waiting on one node, `429 TOO_MANY_CALLS`."),
};

const CALL_OPTION_REFS = Object.keys(CALL_OPTIONS).map(parameter);
const ROUTE_OPTION_REFS = Object.keys(ROUTE_OPTIONS).map(parameter);

/** What a call answers, the same on both call routes. */
const ANSWERS = `The answer uses the request's encoding (JSON, or msgpack for a msgpack request):

- an ask: \`200 {"result": <value>}\` (\`null\` when the method returns nothing);
- a tell (\`x-message-mode: tell\`): \`202 {"accepted": true}\`;
- a stream (the method is an async generator): \`200\` with a body of records, read as the client reads
  (a client that stops reading ends the generator). JSON: \`application/x-ndjson\`, one record per line.
  msgpack: \`application/vnd.pulsing.msgpack-stream\`, each record a 4-byte big-endian length followed by
  that many bytes of msgpack. The schema given for these two media types is that of one record
  (\`StreamRecord\`): items, then exactly one of \`{"end": true}\` or an error record. A stream that fails
  before its first item answers with the error's status and error body instead of \`200\`.`;

/**
 * A call route's operation: `POST /actor/{name}` and `POST /entity/{kind}/{key}`
 * take the same bodies and modes and answer with the same codes and statuses
 * (one route handler serves both); only what the path names, and the options
 * that choose a node, differ.
 */
function callOperation(operation: { operationId: string; tags: string[]; summary: string; description: string; parameters: Json[] }): Json {
  return {
    ...operation,
    security: [{}, { apiToken: [] }],
    requestBody: {
      required: true,
      description: "The message, the same shape in JSON or msgpack. A missing content type, `text/plain` and `application/x-www-form-urlencoded` (what `curl -d` sends) are read as JSON.",
      content: inEncodings(schema("ActorRequest"), [JSON_TYPE, MSGPACK_TYPE, "application/x-msgpack", "text/plain", "application/x-www-form-urlencoded"]),
    },
    responses: {
      "200": {
        description: "The answer of an ask (`{\"result\": …}`), or a stream of records.",
        headers: TRACE_HEADERS,
        content: {
          ...inEncodings(schema("AskResult")),
          [NDJSON_TYPE]: { schema: schema("StreamRecord") },
          [MSGPACK_STREAM_TYPE]: { schema: schema("StreamRecord") },
        },
      },
      "202": { description: "A tell, taken.", headers: TRACE_HEADERS, content: inEncodings(schema("TellAccepted")) },
      ...Object.fromEntries(Object.keys(ACTOR_ERRORS).map((name) => [name.slice("Error".length), response(name)])),
    },
  };
}

/** The node's id, as every route reports it. */
const NODE_ID: Json = { type: "string", description: "The node's id: a UUID, new at every start.", pattern: "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$" };
const ADDR: Json = { type: "string", description: "`host:port`: the address the node is reached at.", minLength: 1 };
const COUNT: Json = { type: "integer", minimum: 0 };

const DESCRIPTION = `Every HTTP route a pulsing node serves on its one port (\`ActorSystem.start({ addr })\`).
Any HTTP client calls named actors with \`POST /actor/{name}\`, and entities (virtual actors, one per kind and key)
with \`POST /entity/{kind}/{key}\`; the other routes are for operators.

The routes tagged \`internal\` are how nodes talk to each other (links and gossip, signed with the cluster
secret when there is one): they are listed so that the document names every route, not for clients.
docs/protocol.md describes their wire format.

Every refusal, on every route, is an error body \`{"error": {"code", "message", "errorName"?, "issues"?}}\` with a stable
code; the \`ErrorCode\` schema lists the codes and the HTTP status of each. A path no route serves answers
\`404\` with code \`BAD_REQUEST\`.

The server is the node itself: this document is served at \`GET /openapi.json\`, and kept in the repository
as docs/openapi.json.`;

const VALUE_DESCRIPTION = `Any value. In msgpack, values are msgpack's own: nil, booleans, numbers, strings, binary, arrays,
maps with string keys, timestamps. In JSON, two values JSON lacks travel as one-key objects, both ways:
a byte array as \`{"$bytes": "<base64>"}\` (schema \`Bytes\`) and an integer beyond 2^53 as
\`{"$bigint": "<decimal>"}\` (schema \`BigInteger\`).`;

/** The document. Plain data: JSON.stringify gives docs/openapi.json. */
export const openApiDocument: Json = {
  openapi: "3.1.1",
  info: {
    title: "pulsing node",
    version: packageJson.version,
    summary: "Call a node's named actors and entities over HTTP, and read its state.",
    description: DESCRIPTION,
    license: { name: "Apache-2.0", identifier: "Apache-2.0" },
  },
  servers: [{ url: "/", description: "The node that serves this document." }],
  tags: [
    { name: "actors", description: "Calling named actors." },
    { name: "entities", description: "Calling virtual actors by kind and key (docs/entities.md)." },
    { name: "cluster", description: "The cluster as this node sees it." },
    { name: "operations", description: "Health, readiness, metrics, the dashboard." },
    { name: "internal", description: "Node to node: links and gossip. Not for clients (docs/protocol.md)." },
  ],
  paths: {
    "/actor/{name}": {
      post: callOperation({
        operationId: "callActor",
        tags: ["actors"],
        summary: "Call a named actor: an ask, a tell, or a stream.",
        description: `Any node answers for an actor on any node of the cluster: a local instance first, else the call is
forwarded to a node that hosts the name, chosen by the policy. \`404 ACTOR_NOT_FOUND\` only when no
instance exists in the cluster.

${ANSWERS}`,
        parameters: [parameter("ActorName"), ...CALL_OPTION_REFS, ...ROUTE_OPTION_REFS],
      }),
    },
    "/entity/{kind}/{key}": {
      post: callOperation({
        operationId: "callEntity",
        tags: ["entities"],
        summary: "Call the entity (kind, key), a virtual actor: an ask, a tell, or a stream.",
        description: `An entity is one actor per (kind, key) in the cluster, made on its first call (docs/entities.md). Any
node answers: the owner of the key (by rendezvous hashing over the alive members that host the kind)
runs it, activating it first when it is not active; a node that is not the owner forwards the call to
it. \`404 ACTOR_NOT_FOUND\` when no member hosts the kind. \`503 ENTITY_MOVED\` when the key moved to
another member while the call was on its way (membership is changing): nothing ran, so retrying is safe.
The key decides the node: the routing options of \`POST /actor/{name}\` (policy, key, node, wait) do not
apply.

${ANSWERS}`,
        parameters: [parameter("EntityKind"), parameter("EntityKey"), ...CALL_OPTION_REFS],
      }),
      delete: {
        operationId: "deleteEntity",
        tags: ["entities"],
        summary: "Delete the entity (kind, key): its saved state and reminders (an operator's delete).",
        description: `Its activation on this node, if any, stops first; then its state and reminders go from the node's
store. An activation on another node finds out at its next save (\`ENTITY_MOVED\`) and starts over empty.
Needs a store (\`400 INVALID_OPTION\` without one) and, on a node with an API token, the token.`,
        security: [{}, { apiToken: [] }],
        parameters: [parameter("EntityKind"), parameter("EntityKey")],
        responses: {
          "200": { description: "Deleted (also when there was nothing to delete).", content: { [JSON_TYPE]: { schema: schema("EntityDeleted") } } },
          "400": response("Error400"),
          "401": response("Error401"),
        },
      },
    },
    "/entities/{kind}/keys": {
      get: {
        operationId: "entityKeys",
        tags: ["entities"],
        summary: "The keys of a kind that have a saved state, in key order, a page at a time (what `pulsing inspect entities --kind` lists).",
        parameters: [
          parameter("EntityKind"),
          { name: "after", in: "query", required: false, schema: { type: "string" }, description: "Start after this key (the `next` of the previous page)." },
          { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 1000 }, description: "Keys per page (default 100, at most 1 000; else `400 INVALID_OPTION`)." },
        ],
        responses: {
          "200": { description: "A page of keys; `next` is the key to pass as `after` for the next page, null on the last.", content: { [JSON_TYPE]: { schema: schema("EntityKeys") } } },
          "400": response("Error400"),
        },
      },
    },
    "/health": {
      get: {
        operationId: "health",
        tags: ["operations"],
        summary: "Liveness: 200 while the node serves, 503 once it shuts down.",
        parameters: [
          {
            name: "challenge",
            in: "query",
            required: false,
            schema: { type: "string", maxLength: 64 },
            description: "With a cluster secret: the node answers with a `proof` (an HMAC over the challenge and its own address) that the address is its own.",
          },
        ],
        responses: {
          "200": { description: "The node serves.", content: { [JSON_TYPE]: { schema: schema("Health") } } },
          "503": { description: "The node is shutting down.", content: { [JSON_TYPE]: { schema: schema("Health") } } },
        },
      },
    },
    "/ready": {
      get: {
        operationId: "ready",
        tags: ["operations"],
        summary: "Readiness: 200 once the node should get traffic (given seeds, once it joined a cluster).",
        responses: {
          "200": { description: "Ready.", content: { [JSON_TYPE]: { schema: schema("Ready") } } },
          "503": { description: "Not ready, and why: not joined yet, or shutting down.", content: { [JSON_TYPE]: { schema: schema("NotReady") } } },
        },
      },
    },
    "/cluster/members": {
      get: {
        operationId: "members",
        tags: ["cluster"],
        summary: "Every member this node knows, itself included.",
        responses: {
          "200": { description: "The members.", content: { [JSON_TYPE]: { schema: { type: "array", items: schema("Member") } } } },
        },
      },
    },
    "/actors": {
      get: {
        operationId: "actors",
        tags: ["cluster"],
        summary: "The actors running on this node, and the named actors of every alive member.",
        responses: {
          "200": { description: "The actors.", content: { [JSON_TYPE]: { schema: schema("Actors") } } },
        },
      },
    },
    "/entities": {
      get: {
        operationId: "entities",
        tags: ["entities"],
        summary: "The entity kinds this node hosts, each with its active activations and what they did since start (what `pulsing inspect entities` reads of every member).",
        responses: {
          "200": { description: "The kinds, by name (empty when the node hosts none).", content: { [JSON_TYPE]: { schema: schema("Entities") } } },
        },
      },
    },
    "/metrics": {
      get: {
        operationId: "metrics",
        tags: ["operations"],
        summary: "Metrics in the Prometheus text exposition format (version 0.0.4).",
        responses: {
          "200": {
            description: "The metrics: `pulsing_*` series (actors, messages by kind, HTTP ask latency, mailbox depth, links, members by state, limit trips, gossip, entities by kind: active, activations, passivations, moves, failed activations) and `process_*` ones.",
            content: { "text/plain": { schema: { type: "string" } } },
          },
        },
      },
    },
    "/dashboard.json": {
      get: {
        operationId: "dashboardData",
        tags: ["operations"],
        summary: "The node's state in one document: what the dashboard polls and `pulsing inspect` reads.",
        description: "A page served by another member (an `origin` that is a member's address) may read it: the answer then carries `access-control-allow-origin` with that origin. No other origin gets the header.",
        parameters: [{ name: "spans", in: "query", required: false, schema: { type: "string", enum: ["0"] }, description: "`0`: `traces.spans` is empty (the dashboard asks the other members for their rates, not their spans)." }],
        responses: {
          "200": { description: "The node's state.", content: { [JSON_TYPE]: { schema: schema("Dashboard") } } },
        },
      },
    },
    "/": {
      get: {
        operationId: "dashboard",
        tags: ["operations"],
        summary: "The dashboard: charts of every live member's message rate, error rate and latency, the members and their links, actors, entity kinds, the latest errors and dead letters, the node's recent traces; refreshed every 2 s (docs/observability.md).",
        responses: {
          "200": { description: "An HTML page.", content: { "text/html": { schema: { type: "string" } } } },
        },
      },
    },
    "/dashboard/{asset}": {
      get: {
        operationId: "dashboardAsset",
        tags: ["operations"],
        summary: "The dashboard's script and styles, embedded in the node: `uplot.js`, `uplot.css` (uPlot, MIT) and `app.js`.",
        description: "Gzipped when the request accepts it; the page names each with `?v=` and a hash of its text, and it may be cached for good (`immutable`, with an ETag).",
        parameters: [{ name: "asset", in: "path", required: true, schema: { type: "string", enum: ["uplot.js", "uplot.css", "app.js"] } }],
        responses: {
          "200": { description: "The asset.", content: { "text/javascript": { schema: { type: "string" } }, "text/css": { schema: { type: "string" } } } },
          "304": { description: "Not modified (`if-none-match` named its ETag)." },
          "404": { description: "`BAD_REQUEST`: no such asset.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
        },
      },
    },
    "/openapi.json": {
      get: {
        operationId: "openapi",
        tags: ["operations"],
        summary: "This document.",
        responses: {
          "200": { description: "The OpenAPI document of the node's routes.", content: {
              [JSON_TYPE]: {
                schema: {
                  type: "object",
                  required: ["openapi", "info", "paths"],
                  properties: { openapi: { type: "string", pattern: "^3\\.1\\." }, info: { type: "object" }, paths: { type: "object" } },
                },
              },
            },
          },
        },
      },
    },
    "/cluster/link": {
      get: {
        operationId: "link",
        // Generators that honour it (openapi-generator) make no client code for node-to-node routes.
        "x-internal": true,
        tags: ["internal"],
        summary: "A link from another node: a WebSocket carrying msgpack frames (docs/protocol.md).",
        description: "The upgrade carries `x-pulsing-protocol`, `x-pulsing-node`, `x-pulsing-addr` and, with a cluster secret, a signature (`x-pulsing-target`, `x-pulsing-ts`, `x-pulsing-nonce`, `x-pulsing-auth`). A peer with a missing header or another protocol version is upgraded, then closed with code 4400 and the reason.",
        responses: {
          "101": { description: "Upgraded to a WebSocket." },
          "400": { description: "`BAD_REQUEST`: not a WebSocket upgrade.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "401": { description: "`UNAUTHORIZED`: with a cluster secret, a missing or bad signature, or one made for another node.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "429": { description: "`TOO_MANY_CALLS`: too many links from this remote address (`limits.maxLinksPerAddress`).", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "503": { description: "`TOO_MANY_CALLS`: too many links in all (`limits.maxLinks`); `SHUTTING_DOWN`.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
        },
      },
    },
    "/cluster/gossip": {
      post: {
        operationId: "gossip",
        "x-internal": true,
        tags: ["internal"],
        summary: "One cluster (SWIM) message from another node (docs/cluster.md).",
        description: "The request carries `x-pulsing-gossip: 1` and, with a cluster secret, a signature over the body for this node (`x-pulsing-ts`, `x-pulsing-nonce`, `x-pulsing-auth`). The body is one msgpack-encoded message, at most `limits.maxGossipBytes` (1 MiB).",
        parameters: [{ name: "x-pulsing-gossip", in: "header", required: true, schema: { type: "string", const: "1" }, description: "The gossip protocol version." }],
        requestBody: { required: true, description: "One msgpack-encoded cluster message.", content: { [MSGPACK_TYPE]: {} } },
        responses: {
          "204": { description: "Taken." },
          "400": { description: "`BAD_REQUEST`: another protocol version, or a malformed message.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "401": { description: "`UNAUTHORIZED`: with a cluster secret, a missing, stale or bad signature.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "413": { description: "`BAD_REQUEST`: over `limits.maxGossipBytes`.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
          "503": { description: "`SHUTTING_DOWN`.", content: { [JSON_TYPE]: { schema: schema("Error") } } },
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiToken: {
        type: "http",
        scheme: "bearer",
        description: "Only on a node started with `apiToken` (the CLI's `--api-token`): `POST /actor/{name}` and `POST /entity/{kind}/{key}` then need `Authorization: Bearer <token>`, else `401 UNAUTHORIZED`. The other routes never need it.",
      },
    },
    parameters: {
      ActorName: {
        name: "name",
        in: "path",
        required: true,
        schema: { type: "string", minLength: 1 },
        description: "The actor's name. It may hold slashes, as they are (`/actor/services/api/handler`) or percent-encoded, whole or in part (`/actor/services%2Fapi%2Fhandler`, what a generated client sends); a malformed encoding is `400 BAD_REQUEST`.",
      },
      EntityKind: {
        name: "kind",
        in: "path",
        required: true,
        // The rule of src/entity/address.ts (kindProblem), which refuses anything else with 400 INVALID_NAME.
        schema: { type: "string", pattern: "^(?!\\.+$)[A-Za-z0-9_.-]{1,64}$" },
        description: "The entity's kind, as the nodes that host it name it (`system.host(Cart, { kind })`, else the class's `static kind` or its name): 1 to 64 characters of `A-Z a-z 0-9 _ . -`, not only dots. Anything else is `400 INVALID_NAME`.",
      },
      EntityKey: {
        name: "key",
        in: "path",
        required: true,
        schema: { type: "string", minLength: 1, maxLength: 256 },
        description: "The entity's key: any text of 1 to 256 characters without control characters (else `400 INVALID_NAME`). Percent-encode it (`/entity/cart/user%2F42%3Fx`, what a generated client sends); slashes may also go as they are (`/entity/cart/user/42`: the key is everything after the kind). A malformed encoding is `400 BAD_REQUEST`.",
      },
      ...CALL_OPTIONS,
      ...ROUTE_OPTIONS,
    },
    responses: ACTOR_ERRORS,
    schemas: {
      ActorRequest: {
        type: "object",
        required: ["msg_type"],
        properties: {
          msg_type: { type: "string", minLength: 1, description: "A method of the actor (then `payload` is its argument array, or absent for none), else a message type its `receive(msg_type, payload)` gets. Names starting with `_` or `$`, `constructor`, lifecycle hooks and what every actor inherits are never methods." },
          payload: { ...schema("Value"), description: "The method's arguments (an array), or any value for `receive`." },
        },
        examples: [{ msg_type: "inc", payload: [2] }],
      },
      Value: { description: VALUE_DESCRIPTION },
      Bytes: {
        type: "object",
        description: "A byte array, in JSON.",
        required: ["$bytes"],
        properties: { $bytes: { type: "string", contentEncoding: "base64" } },
        additionalProperties: false,
      },
      BigInteger: {
        type: "object",
        description: "An integer beyond 2^53, in JSON.",
        required: ["$bigint"],
        properties: { $bigint: { type: "string", pattern: "^-?[0-9]+$" } },
        additionalProperties: false,
      },
      AskResult: {
        type: "object",
        required: ["result"],
        properties: { result: schema("Value") },
        additionalProperties: false,
      },
      EntityKeys: {
        type: "object",
        required: ["kind", "keys", "next"],
        properties: { kind: { type: "string" }, keys: { type: "array", items: { type: "string" } }, next: { type: ["string", "null"] } },
        additionalProperties: false,
      },
      EntityDeleted: {
        type: "object",
        required: ["deleted"],
        properties: { deleted: { const: true } },
        additionalProperties: false,
      },
      TellAccepted: {
        type: "object",
        required: ["accepted"],
        properties: { accepted: { const: true } },
        additionalProperties: false,
      },
      StreamRecord: {
        description: "One record of a streamed answer: any number of items, then exactly one of the end or an error (items before an error were produced before it).",
        oneOf: [schema("StreamItem"), schema("StreamEnd"), schema("Error")],
      },
      StreamItem: { type: "object", required: ["item"], properties: { item: schema("Value") }, additionalProperties: false },
      StreamEnd: { type: "object", required: ["end"], properties: { end: { const: true } }, additionalProperties: false },
      MessageMode: { type: "string", enum: ["ask", "tell"], default: "ask" },
      PolicyName: {
        type: "string",
        enum: ["round-robin", "random", "power-of-two", "consistent-hash"],
        default: "round-robin",
        description: "`power-of-two`: the less loaded of two random instances; `consistent-hash`: by the policy key.",
      },
      ErrorCode: {
        type: "string",
        enum: Object.keys(ERROR_STATUS),
        description: `A stable error code. The status of each (the same on every route, except where a route says otherwise): ${Object.entries(ERROR_STATUS)
          .map(([code, status]) => `\`${code}\` ${status}`)
          .join(", ")}.`,
      },
      Error: {
        type: "object",
        description: "Every error body, on every route, and the error record of a stream.",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: {
              code: schema("ErrorCode"),
              message: { type: "string", maxLength: 1025, description: "What went wrong, cut to 1 024 characters (then `…`)." },
              errorName: { type: "string", maxLength: 65, description: "When a handler threw: the `name` of what it threw (e.g. `TypeError`)." },
              issues: {
                type: "array",
                maxItems: 10,
                items: schema("ValidationIssue"),
                description: "With `BAD_REQUEST` from an actor's schemas (`static schemas`): why they refused the arguments, the first 10.",
              },
            },
            additionalProperties: false,
          },
        },
        additionalProperties: false,
        examples: [{ error: { code: "UNKNOWN_MESSAGE", message: 'actor counter has no handler for "nope"' } }],
      },
      ValidationIssue: {
        type: "object",
        required: ["message"],
        properties: {
          message: { type: "string", maxLength: 129, description: "The schema's message, cut to 128 characters (then `…`)." },
          path: {
            type: "array",
            maxItems: 16,
            items: { type: ["string", "integer"] },
            description: "Where in the payload, outermost first; for a method, element 0 is the index of the argument.",
          },
        },
        additionalProperties: false,
      },
      ...Object.fromEntries(ERROR_STATUSES.map((status) => [`Error${status}`, errorWithCodes(codesAt(status))])),
      BadRequestError: errorWithCodes(["BAD_REQUEST"]),
      Health: {
        type: "object",
        required: ["status", "node", "addr"],
        properties: {
          status: { type: "string", enum: ["ok", "shutting-down"] },
          node: NODE_ID,
          addr: ADDR,
          proof: { type: "string", description: "With a cluster secret and a `challenge`: the proof that `addr` is this node's." },
          warnings: { type: "array", items: { type: "string" }, description: "What makes this node unsafe (no secret on a reachable address); absent when nothing does." },
        },
        additionalProperties: false,
      },
      Ready: {
        type: "object",
        required: ["status", "node"],
        properties: { status: { const: "ready" }, node: NODE_ID },
        additionalProperties: false,
      },
      NotReady: {
        type: "object",
        required: ["status", "node", "reason"],
        properties: { status: { const: "not-ready" }, node: NODE_ID, reason: { type: "string" } },
        additionalProperties: false,
      },
      Member: {
        type: "object",
        required: ["id", "addr", "state", "incarnation"],
        properties: {
          id: NODE_ID,
          addr: ADDR,
          state: { type: "string", enum: ["alive", "suspect", "dead", "left"] },
          incarnation: { ...COUNT, description: "Raised only by the member itself, to refute a suspicion." },
        },
        additionalProperties: false,
      },
      LocalActor: {
        type: "object",
        required: ["id", "mailbox"],
        properties: {
          id: { type: "string" },
          name: { type: "string", description: "Absent for an actor spawned without a name." },
          mailbox: { ...COUNT, description: "Messages queued." },
        },
        additionalProperties: false,
      },
      RegistryEntry: {
        type: "object",
        description: "The named actors of one alive member.",
        required: ["node", "addr", "version", "names"],
        properties: { node: NODE_ID, addr: ADDR, version: COUNT, names: { type: "array", items: { type: "string" } } },
        additionalProperties: false,
      },
      Actors: {
        type: "object",
        required: ["node", "addr", "local", "registry"],
        properties: {
          node: NODE_ID,
          addr: ADDR,
          local: { type: "array", items: schema("LocalActor"), description: "The actors running on this node." },
          registry: { type: "array", items: schema("RegistryEntry"), description: "The named actors of every alive member, as this node knows them." },
        },
        additionalProperties: false,
      },
      EntityKindCounts: {
        type: "object",
        description: "One entity kind on this node: the activations active now, and what happened since the node started.",
        required: ["active", "activations", "passivations", "moves", "failedActivations"],
        properties: {
          active: { ...COUNT, description: "Activations running now." },
          activations: { ...COUNT, description: "Activations made (first calls to a key that was not active here)." },
          passivations: { ...COUNT, description: "Activations stopped: idle, past `maxActive`, moved, or at shutdown." },
          moves: { ...COUNT, description: "Of the passivations, those because another member owns the key now." },
          failedActivations: { ...COUNT, description: "Activations whose `onActivate` threw (their calls failed with `START_FAILED`)." },
        },
        additionalProperties: false,
      },
      Entities: {
        type: "object",
        required: ["node", "addr", "kinds"],
        properties: { node: NODE_ID, addr: ADDR, kinds: { type: "object", additionalProperties: schema("EntityKindCounts") } },
        additionalProperties: false,
      },
      LatencyBuckets: {
        type: "object",
        description: "A latency histogram: bucket bounds in seconds and cumulative counts, one more than the bounds (the last counts everything).",
        required: ["of", "bounds", "buckets"],
        properties: {
          of: { type: "string", description: "What was timed." },
          bounds: { type: "array", items: { type: "number" } },
          buckets: { type: "array", items: COUNT },
        },
        additionalProperties: false,
      },
      SpanRecord: {
        type: "object",
        description: "A span this node's runtime ended (names clipped to 128 characters; no payloads).",
        required: ["traceId", "spanId", "parentSpanId", "name", "kind", "startMs", "durationMs", "actor"],
        properties: {
          traceId: { type: "string", pattern: "^[0-9a-f]{32}$" },
          spanId: { type: "string", pattern: "^[0-9a-f]{16}$" },
          parentSpanId: { type: "string", description: "The parent span's id (perhaps of another process); empty for a root span." },
          name: { type: "string", description: "`{class or kind}/{method}`." },
          kind: { type: "string", enum: ["server", "client", "producer", "consumer", "internal"] },
          startMs: { type: "number", description: "When it started, in ms since the epoch." },
          durationMs: { type: "number", minimum: 0 },
          code: { type: "string", description: "The error code it ended with; absent when it succeeded." },
          actor: { type: "string", description: "The actor's name, or `#kind/key` for an entity." },
        },
        additionalProperties: false,
      },
      RecentFailure: {
        type: "object",
        description: "One handler error or dead letter; every text is clipped.",
        required: ["at", "actor", "message", "code", "error"],
        properties: {
          at: { type: "integer", description: "When, in ms since the epoch." },
          actor: { type: "string", description: "The actor's name, or its id." },
          message: { type: "string", description: "The message type (method name)." },
          code: { type: "string", description: "The error code the caller got (`HANDLER_ERROR`, …), or `DEAD_LETTER`." },
          error: { type: "string", description: "The error's message, or why the letter was dead." },
        },
        additionalProperties: false,
      },
      Dashboard: {
        type: "object",
        required: ["node", "addr", "uptimeSeconds", "members", "registry", "actors", "entities", "counts", "mailboxDepth", "linksUp", "links", "linkTraffic", "gossip", "limitTrips", "warnings", "failures", "latency", "classes", "traces", "at"],
        properties: {
          node: NODE_ID,
          addr: ADDR,
          uptimeSeconds: { type: "number", minimum: 0 },
          members: { type: "array", items: schema("Member") },
          registry: { type: "array", items: schema("RegistryEntry") },
          actors: { type: "array", items: schema("LocalActor") },
          entities: {
            type: "object",
            description: "The entity kinds this node hosts, by kind (empty when it hosts none).",
            additionalProperties: schema("EntityKindCounts"),
          },
          counts: {
            type: "object",
            description: "Messages sent to this node's actors by kind, actors spawned and stopped, messages refused: since start.",
            required: ["asks", "tells", "streams", "spawned", "stopped", "refused"],
            properties: { asks: COUNT, tells: COUNT, streams: COUNT, spawned: COUNT, stopped: COUNT, refused: COUNT },
            additionalProperties: false,
          },
          mailboxDepth: COUNT,
          linksUp: COUNT,
          links: {
            type: "array",
            description: "The links open now: the peer's address and node id (when known), whether this node dialled it, calls in flight on it either way.",
            items: {
              type: "object",
              required: ["dialled", "inFlight"],
              properties: { addr: ADDR, node: NODE_ID, dialled: { type: "boolean" }, inFlight: COUNT },
              additionalProperties: false,
            },
          },
          linkTraffic: {
            type: "object",
            required: ["callsOut", "tellsOut", "callsIn", "tellsIn"],
            properties: { callsOut: COUNT, tellsOut: COUNT, callsIn: COUNT, tellsIn: COUNT },
            additionalProperties: false,
          },
          gossip: {
            type: "object",
            description: "Cluster protocol messages sent, and their bytes.",
            required: ["messages", "bytes"],
            properties: { messages: COUNT, bytes: COUNT },
            additionalProperties: false,
          },
          limitTrips: { type: "object", description: "How often each limit has refused something (docs/security.md).", additionalProperties: COUNT },
          warnings: { type: "array", items: { type: "string" } },
          failures: {
            type: "object",
            description: "The latest handler errors and dead letters on this node (at most 50 of each, newest first, texts clipped), and how many there were since start.",
            required: ["errors", "deadLetters", "totals"],
            properties: {
              errors: { type: "array", items: schema("RecentFailure") },
              deadLetters: { type: "array", items: schema("RecentFailure") },
              totals: {
                type: "object",
                required: ["handlerErrors", "deadLetters"],
                properties: { handlerErrors: COUNT, deadLetters: COUNT },
                additionalProperties: false,
              },
            },
            additionalProperties: false,
          },
          latency: { ...schema("LatencyBuckets"), description: "The handler time of the sampled turns, every actor class together: what the dashboard charts the p99 of." },
          classes: {
            type: "array",
            description: "Per actor class (at most 256 names, then `(other)`): turns, handler errors, restarts and failed starts since start, and the handler time of its sampled turns.",
            items: {
              type: "object",
              required: ["name", "handled", "errors", "restarts", "failedStarts", "latency"],
              properties: { name: { type: "string" }, handled: COUNT, errors: COUNT, restarts: COUNT, failedStarts: COUNT, latency: schema("LatencyBuckets") },
              additionalProperties: false,
            },
          },
          traces: {
            type: "object",
            description: "Whether an OpenTelemetry SDK is registered in the node's process (`pulsing node --trace` or `--otlp-endpoint`), and the spans the runtime ended there last, oldest first (at most 256; the process's nodes share them; none while tracing is off).",
            required: ["on", "spans"],
            properties: { on: { type: "boolean" }, spans: { type: "array", maxItems: 256, items: schema("SpanRecord") } },
            additionalProperties: false,
          },
          at: { type: "integer", description: "When this was read, in ms since the epoch." },
        },
        additionalProperties: false,
      },
    },
  },
};

/** `GET /openapi.json`: the document, on every node the composer adds it to. */
export const openApiRoute: NodeExtension = (app) => {
  app.get("/openapi.json", (c) => c.json(openApiDocument));
};
