// A one-line progress bar on stderr for long runs (fabric generation, large enumerations). Only on a TTY;
// scripts and pipes see nothing.
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ((done: number, total: number) => void) | undefined {
  if (!stream.isTTY) return undefined
  let last = -1
  return (done, total) => {
    const pct = total === 0 ? 100 : Math.floor((done / total) * 100)
    if (pct === last) return
    last = pct
    const width = 30
    const fill = Math.round((pct / 100) * width)
    stream.write(`\r${label} [${'#'.repeat(fill)}${' '.repeat(width - fill)}] ${pct}% (${done}/${total})${done >= total ? '\n' : ''}`)
  }
}
