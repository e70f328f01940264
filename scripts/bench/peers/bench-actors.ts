/** The actors the entity benchmarks measure, one place for the benchmark and its peers: an entity and a plain actor doing the same work. */
import { Actor, Entity } from "pulsing";

export class Bench extends Entity {
  static kind = "bench";
  n = 0;
  hit(): number {
    return ++this.n;
  }
}

export class Counter extends Actor {
  n = 0;
  hit(): number {
    return ++this.n;
  }
}
