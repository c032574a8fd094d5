// The kernel's IDA allocator (ida_alloc_range): the lowest free id in [start, end], -ENOSPC when none is
// left. uent_num, EID and CNA all come from one each (ubus_entity.c, eid.c, cna.c). The ids in use are a
// bitmap from `start`, grown as ids are taken: a super-node takes hundreds of thousands of CNAs, and a set
// of numbers would cost a hash entry each.

export class Ida {
  private next: number
  private bits = new Uint32Array(64)

  constructor(
    readonly start: number,
    readonly end: number,
    taken: Iterable<number> = [],
  ) {
    this.next = start
    for (const id of taken) if (id >= start && id <= end) this.mark(id)
  }

  /** The lowest free id, or -28 (-ENOSPC) when the range is full. */
  alloc(): number {
    while (this.next <= this.end && this.has(this.next)) this.next++
    if (this.next > this.end) return -28
    this.mark(this.next)
    return this.next++
  }

  free(id: number): void {
    if (id < this.start || id > this.end || !this.has(id)) return
    const i = id - this.start
    this.bits[i >>> 5] &= ~(1 << (i & 31))
    if (id < this.next) this.next = id
  }

  private has(id: number): boolean {
    const i = id - this.start
    const word = i >>> 5
    return word < this.bits.length && (this.bits[word] & (1 << (i & 31))) !== 0
  }

  private mark(id: number): void {
    const i = id - this.start
    const word = i >>> 5
    if (word >= this.bits.length) this.grow(word)
    this.bits[word] |= 1 << (i & 31)
  }

  /** Doubling keeps marking linear over a whole enumeration. */
  private grow(word: number): void {
    let size = this.bits.length * 2
    while (size <= word) size *= 2
    const bits = new Uint32Array(size)
    bits.set(this.bits)
    this.bits = bits
  }
}
