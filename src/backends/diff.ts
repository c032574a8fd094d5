// What define --dry-run shows: the definition's lines removed (-) and added (+), as a unified diff orders
// them (removals before the additions that replace them), from jsdiff's line diff (loaded only by define).
export async function lineDiff(before: string, after: string): Promise<string[]> {
  const {diffLines} = await import('diff')
  const out: string[] = []
  for (const part of diffLines(before, after)) {
    if (!part.added && !part.removed) continue
    const sign = part.added ? '+' : '-'
    for (const line of part.value.replace(/\n$/, '').split('\n')) out.push(`${sign} ${line}`)
  }
  return out
}
