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

/**
 * A progress bar from cli-progress (loaded only when stderr is a terminal) for long simulations. Returns the
 * callback to feed and a stop function; on a pipe both do nothing.
 */
export async function libraryProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Promise<{update: (done: number, total: number) => void; stop: () => void}> {
  if (!stream.isTTY) return {update: () => {}, stop: () => {}}
  const {SingleBar, Presets} = (await import('cli-progress')).default
  const bar = new SingleBar({format: `${label} [{bar}] {percentage}% | {value}/{total} steps | {duration}s`, stream, hideCursor: true}, Presets.shades_classic)
  let started = false
  return {
    update: (done, total) => {
      if (!started) {
        bar.start(total, 0)
        started = true
      }
      bar.update(done)
    },
    stop: () => started && bar.stop(),
  }
}
