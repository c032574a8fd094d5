// The offline optimum's card count for one step: the fewest cards of capacity C that hold every slice's demand at
// that step, with slices free to move between steps (what an oracle that knows the whole trace could do). The
// lower bound is ⌈Σ demand / C⌉; first-fit decreasing gives a packing that is feasible, so the optimum lies
// between the two (FFD uses at most 11/9·OPT + 6/9 cards). Both are computed for every step.

/** First fit over bins in O(log bins) per item: a max-tree of the bins' room finds the leftmost bin that fits. */
export class FirstFit {
  private size = 1
  private tree = new Float64Array(2)
  used = 0
  constructor(private readonly capacity: number) {}

  reset(bound: number): void {
    let size = 1
    while (size < bound) size <<= 1
    if (size !== this.size) {
      this.size = size
      this.tree = new Float64Array(2 * size)
    }
    this.tree.fill(this.capacity, size)
    for (let i = size - 1; i >= 1; i--) this.tree[i] = this.capacity
    this.used = 0
  }

  /** Put an item in the leftmost bin with room; returns the bin index. */
  add(item: number): number {
    const t = this.tree
    if (t[1] < item) {
      // more bins than the bound: grow (rare) by repacking into a tree twice as big
      const rooms = t.slice(this.size, this.size + this.size)
      const old = this.size
      const used = this.used
      this.reset(old * 2)
      for (let i = 0; i < old; i++) this.set(i, rooms[i])
      this.used = used
    }
    let i = 1
    while (i < this.size) i = this.tree[2 * i] >= item ? 2 * i : 2 * i + 1
    const bin = i - this.size
    this.set(bin, this.tree[i] - item)
    if (bin + 1 > this.used) this.used = bin + 1
    return bin
  }

  room(bin: number): number {
    return this.tree[this.size + bin]
  }

  private set(bin: number, room: number): void {
    let i = this.size + bin
    this.tree[i] = room
    for (i >>= 1; i >= 1; i >>= 1) this.tree[i] = Math.max(this.tree[2 * i], this.tree[2 * i + 1])
  }
}

/** Cards for one step: the lower bound and the FFD packing (items larger than a card take whole cards first). */
export function packStep(items: Float64Array, capacity: number, ff: FirstFit, sorted: Float64Array): {lower: number; ffd: number} {
  let sum = 0
  let whole = 0
  let n = 0
  for (let i = 0; i < items.length; i++) {
    let x = items[i]
    sum += x
    if (x > capacity) {
      whole += Math.floor(x / capacity)
      x -= Math.floor(x / capacity) * capacity
    }
    if (x > 0) sorted[n++] = x
  }
  const view = sorted.subarray(0, n).sort()
  ff.reset(Math.max(2, Math.ceil((2 * sum) / capacity) + 2))
  for (let i = n - 1; i >= 0; i--) ff.add(view[i])
  return {lower: Math.ceil(sum / capacity - 1e-9), ffd: whole + ff.used}
}
