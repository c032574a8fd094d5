// The kernel's IDA allocator (ida_alloc_range): the lowest free id in [start, end], -ENOSPC when none is
// left. uent_num, EID and CNA all come from one each (ubus_entity.c, eid.c, cna.c).

export class Ida {
  private next: number
  private readonly used = new Set<number>()

  constructor(
    readonly start: number,
    readonly end: number,
    taken: Iterable<number> = [],
  ) {
    this.next = start
    for (const id of taken) if (id >= start && id <= end) this.used.add(id)
  }

  /** The lowest free id, or -28 (-ENOSPC) when the range is full. */
  alloc(): number {
    while (this.next <= this.end && this.used.has(this.next)) this.next++
    if (this.next > this.end) return -28
    this.used.add(this.next)
    return this.next++
  }

  free(id: number): void {
    if (this.used.delete(id) && id < this.next) this.next = id
  }
}
