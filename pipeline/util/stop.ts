// Stopping a command that sends mail: the first SIGINT/SIGTERM (Ctrl-C, a cancelled job) lets
// the messages already handed to the server finish and be recorded, and starts no new ones, so a
// stopped run leaves nobody "in doubt" and the re-run mails nobody twice. A second signal stops at once.
export interface StopSignal {
  signal: AbortSignal;
  /** Removes the handlers (the command is done). */
  release(): void;
}

export function stopOnSignals(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): StopSignal {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
    log(`paperboy: ${name}: finishing the messages in flight, sending no more (${name} again stops at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
