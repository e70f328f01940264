import type { DelegateUpdate } from "../wire/index.ts";
import type { Member } from "./types.ts";

/**
 * What a layer above SWIM membership plugs into it, after memberlist's
 * `Delegate`: membership carries the layer's updates (piggybacked on its
 * messages, and whole in every push-pull) without knowing what they mean, and
 * tells it when members go. The named-actor registry is the one delegate today
 * (src/cluster/registry.ts); its updates are the `NAMES` updates of the wire.
 *
 * Every method is called synchronously from within the membership's own work
 * (a message received, a timer); it may use the `MembershipPort` it was given,
 * and nothing else of the membership.
 */
export interface MembershipDelegate {
  /**
   * Its updates that arrived piggybacked on a message, once the membership
   * updates of the same message are applied: an update about a member that
   * joined in that message finds it known (memberlist's NotifyMsg).
   */
  notify(updates: readonly DelegateUpdate[]): void;
  /** Its whole state, sent with the members in a push-pull (`SYNC`, `SYNC_REPLY`; memberlist's LocalState). */
  localState(): DelegateUpdate[];
  /** A peer's whole state from a push-pull, once the peer's members are merged (memberlist's MergeRemoteState). */
  mergeRemoteState(state: readonly DelegateUpdate[]): void;
  /**
   * A member went down: `dead` (it may only be cut off, and come back with what
   * it had) or `left` (for good). Called before the membership's change event.
   */
  memberDown(id: string, state: "dead" | "left"): void;
  /** A dead or left member was forgotten: nothing more will be heard of it. */
  memberForgotten(id: string): void;
  /**
   * This node refuted an accusation (suspect, dead, left, or another address):
   * whoever believed it may have dropped what this node had told them.
   */
  refuted(): void;
}

/**
 * What a delegate may ask of membership. Its broadcasts go into membership's
 * own queue rather than one of its own (memberlist's GetBroadcasts): one queue,
 * least-sent first, keeps an update about a member from overtaking the news of
 * the member itself, which a receiver needs first (a 100-node simulation spread
 * names 0.5-0.9 s later with two queues).
 */
export interface MembershipPort {
  /** A member as membership knows it (any state), or undefined. */
  member(id: string): Member | undefined;
  /** Queues an update to piggyback on membership's messages, replacing one queued under the same key. */
  broadcast(key: string, update: DelegateUpdate): void;
}

/** The delegate of a membership that carries nothing for anyone. */
export const NO_DELEGATE: MembershipDelegate = {
  notify: () => {},
  localState: () => [],
  mergeRemoteState: () => {},
  memberDown: () => {},
  memberForgotten: () => {},
  refuted: () => {},
};
