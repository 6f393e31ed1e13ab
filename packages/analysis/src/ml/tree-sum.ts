import type { Tree } from './tree.js';

/**
 * Many trees concatenated into one set of arrays (child indices made global), summed in one loop:
 * prediction then costs no call per tree and walks memory laid out tree after tree.
 */
export class TreeSum {
  private readonly links: Int32Array;
  private readonly values: Float64Array;
  private readonly roots: Int32Array;
  private readonly categoryLeft: (Uint8Array | undefined)[];
  private readonly hasCategories: boolean;

  constructor(trees: readonly Tree[]) {
    const total = trees.reduce((a, t) => a + t.size, 0);
    this.links = new Int32Array(3 * total);
    this.values = new Float64Array(total);
    this.roots = new Int32Array(trees.length);
    this.categoryLeft = new Array<Uint8Array | undefined>(total);
    this.hasCategories = trees.some((t) => t.categoryLeft.some((m) => m !== undefined));
    let offset = 0;
    trees.forEach((t, r) => {
      this.roots[r] = offset;
      for (let k = 0; k < t.size; k++) {
        const f = t.links[3 * k]!;
        this.links[3 * (offset + k)] = f;
        this.links[3 * (offset + k) + 1] = f >= 0 ? t.links[3 * k + 1]! + offset : -1;
        this.links[3 * (offset + k) + 2] = t.links[3 * k + 2]!;
        this.values[offset + k] = t.leafOrThreshold[k]!;
        this.categoryLeft[offset + k] = t.categoryLeft[k];
      }
      offset += t.size;
    });
  }

  /** `start` plus the leaf value of every tree for an encoded row, added in tree order. */
  sum(x: Float64Array, start = 0): number {
    const { links, values, roots } = this;
    if (!this.hasCategories) {
      let complete = true;
      for (let j = 0; j < x.length; j++) if (x[j] !== x[j]) complete = false;
      // The common case — numeric splits, no missing value — needs one comparison per level.
      if (complete) {
        let s = start;
        let r = 0;
        // Four trees walked in lock-step: their loads do not depend on each other, so the CPU
        // overlaps them instead of waiting on one chain of dependent loads per tree.
        for (; r + 3 < roots.length; r += 4) {
          let k0 = roots[r]!;
          let k1 = roots[r + 1]!;
          let k2 = roots[r + 2]!;
          let k3 = roots[r + 3]!;
          let f0 = links[3 * k0]!;
          let f1 = links[3 * k1]!;
          let f2 = links[3 * k2]!;
          let f3 = links[3 * k3]!;
          while (f0 >= 0 || f1 >= 0 || f2 >= 0 || f3 >= 0) {
            if (f0 >= 0) {
              k0 = links[3 * k0 + 1]! + Number(x[f0]! > values[k0]!);
              f0 = links[3 * k0]!;
            }
            if (f1 >= 0) {
              k1 = links[3 * k1 + 1]! + Number(x[f1]! > values[k1]!);
              f1 = links[3 * k1]!;
            }
            if (f2 >= 0) {
              k2 = links[3 * k2 + 1]! + Number(x[f2]! > values[k2]!);
              f2 = links[3 * k2]!;
            }
            if (f3 >= 0) {
              k3 = links[3 * k3 + 1]! + Number(x[f3]! > values[k3]!);
              f3 = links[3 * k3]!;
            }
          }
          // Added in tree order, so the sum is bit-identical to the batch path.
          s += values[k0]!;
          s += values[k1]!;
          s += values[k2]!;
          s += values[k3]!;
        }
        for (; r < roots.length; r++) {
          let k = roots[r]!;
          let f = links[3 * k]!;
          while (f >= 0) {
            k = links[3 * k + 1]! + Number(x[f]! > values[k]!);
            f = links[3 * k]!;
          }
          s += values[k]!;
        }
        return s;
      }
    }
    let s = start;
    for (let r = 0; r < roots.length; r++) {
      let k = roots[r]!;
      let f = links[3 * k]!;
      while (f >= 0) {
        const v = x[f]!;
        const flags = links[3 * k + 2]!;
        let goLeft: boolean;
        if (flags === 0) goLeft = v <= values[k]!; // numeric, missing goes right: NaN <= t is false
        else if (v !== v) goLeft = (flags & 1) === 1;
        else if (flags >= 2) goLeft = this.categoryLeft[k]![v] === 1;
        else goLeft = v <= values[k]!;
        k = links[3 * k + 1]! + (goLeft ? 0 : 1);
        f = links[3 * k]!;
      }
      s += values[k]!;
    }
    return s;
  }
}
