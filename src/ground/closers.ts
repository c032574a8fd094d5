// Things a command opened that would keep the process alive (etcd's grpc channels): closed by the command base
// when the command ends, however it ends. Here so that any layer may register one without knowing the CLI.
const closers: Array<() => void> = []

export function onExit(close: () => void): void {
  closers.push(close)
}

export function runClosers(): void {
  for (const close of closers.splice(0)) {
    try {
      close()
    } catch {
      // closing is best effort: the command's own outcome is what the user needs to see
    }
  }
}
