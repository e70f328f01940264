import type { KindCounts, Member, TlsOptions } from "../index.ts";
import { fetchJson } from "./fetch-json.ts";
import { table } from "./text-table.ts";
import { nodeUrl } from "./usage.ts";

/** One member's entity kinds (`GET /entities`), or why they could not be read. */
export type MemberEntities = { node: string; addr: string; kinds: Record<string, KindCounts> } | { node: string; addr: string; error: string };

/**
 * The entity kinds of every alive member, as the node at `addr` knows the
 * members. Counts are per node (each member counts what its own activations
 * did), so each member is asked, all at once; one that does not answer is
 * reported in its row rather than failing the rest.
 */
export async function clusterEntities(addr: string, tls: TlsOptions | undefined): Promise<MemberEntities[]> {
  const { base, init } = nodeUrl(addr, tls);
  const members = (await fetchJson(`${base}/cluster/members`, init)) as Member[];
  return Promise.all(
    members
      .filter((member) => member.state === "alive")
      .map(async (member): Promise<MemberEntities> => {
        try {
          const at = nodeUrl(member.addr, tls);
          const body = (await fetchJson(`${at.base}/entities`, at.init)) as { kinds: Record<string, KindCounts> };
          return { node: member.id, addr: member.addr, kinds: body.kinds };
        } catch (error) {
          return { node: member.id, addr: member.addr, error: (error as Error).message };
        }
      }),
  );
}

/** A row per member and kind (a member with none, or that did not answer, has one row saying so), then the cluster's total per kind, then why members did not answer. */
export function renderEntities(members: MemberEntities[], addr: string, json: boolean, indent: number): string {
  if (json) return JSON.stringify(members, null, indent);
  const rows = [["NODE", "ADDRESS", "KIND", "ACTIVE", "ACTIVATIONS", "PASSIVATIONS", "MOVES", "FAILED"]];
  const totals = new Map<string, KindCounts>();
  for (const member of members) {
    if ("error" in member) {
      rows.push([member.node, member.addr, "(unreachable)"]);
      continue;
    }
    const kinds = Object.entries(member.kinds);
    if (kinds.length === 0) rows.push([member.node, member.addr, "(none)"]);
    for (const [kind, counts] of kinds) {
      rows.push([member.node, member.addr, kind, ...[counts.active, counts.activations, counts.passivations, counts.moves, counts.failedActivations].map(String)]);
      const total = totals.get(kind) ?? { active: 0, activations: 0, passivations: 0, moves: 0, failedActivations: 0 };
      for (const field of Object.keys(total) as (keyof KindCounts)[]) total[field] += counts[field];
      totals.set(kind, total);
    }
  }
  const summary = `entities on ${members.length} alive member${members.length === 1 ? "" : "s"}, as seen from ${addr}`;
  const inAll = [...totals].map(([kind, t]) => `${kind}: ${t.active} active (${t.activations} activations, ${t.passivations} passivations, ${t.moves} moves, ${t.failedActivations} failed)`);
  const unreachable = members.flatMap((member) => ("error" in member ? [`  ${member.node} (${member.addr}): ${member.error}`] : []));
  return [summary, table(rows), ...(inAll.length === 0 ? [] : ["", "in all:", ...inAll.map((line) => `  ${line}`)]), ...(unreachable.length === 0 ? [] : ["", "unreachable:", ...unreachable])].join("\n");
}

/** Which keys to list: a kind, a page. */
export interface KeysQuery {
  kind: string;
  limit: number;
  after?: string;
}

/** One member's keys of a kind (`GET /entities/{kind}/keys`), or why they could not be read. */
export type MemberKeys = { node: string; addr: string; keys: string[]; next: string | null } | { node: string; addr: string; error: string };

/**
 * The keys of a kind with a saved state, from every alive member's store (a
 * shared PostgreSQL store answers the same on each; SQLite stores are each
 * node's own).
 */
export async function clusterKeys(addr: string, tls: TlsOptions | undefined, query: KeysQuery): Promise<MemberKeys[]> {
  const { base, init } = nodeUrl(addr, tls);
  const members = (await fetchJson(`${base}/cluster/members`, init)) as Member[];
  const params = new URLSearchParams({ limit: String(query.limit), ...(query.after === undefined ? {} : { after: query.after }) });
  return Promise.all(
    members
      .filter((member) => member.state === "alive")
      .map(async (member): Promise<MemberKeys> => {
        try {
          const at = nodeUrl(member.addr, tls);
          const body = (await fetchJson(`${at.base}/entities/${encodeURIComponent(query.kind)}/keys?${params}`, at.init)) as { keys: string[]; next: string | null };
          return { node: member.id, addr: member.addr, keys: body.keys, next: body.next };
        } catch (error) {
          return { node: member.id, addr: member.addr, error: (error as Error).message };
        }
      }),
  );
}

/** The keys, once each, in order; then which members could not be read. */
export function renderKeys(members: MemberKeys[], kind: string, addr: string, json: boolean, indent: number): string {
  const keys = [...new Set(members.flatMap((member) => ("keys" in member ? member.keys : [])))].sort();
  if (json) return JSON.stringify({ kind, keys, members }, null, indent);
  const more = members.some((member) => "next" in member && member.next !== null);
  const unreachable = members.flatMap((member) => ("error" in member ? [`  ${member.node} (${member.addr}): ${member.error}`] : []));
  return [
    `keys of ${kind} with a saved state (${keys.length}${more ? ", more with --after" : ""}), from ${members.length} member${members.length === 1 ? "" : "s"} as seen from ${addr}:`,
    ...keys.map((key) => `  ${key}`),
    ...(unreachable.length === 0 ? [] : ["", "unreachable:", ...unreachable]),
  ].join("\n");
}
