// Progress for long work: a live bar with rate and ETA on a terminal, plain periodic log lines
// elsewhere (CI logs, pipes), and nothing at all when quiet (tests, --json).
import cliProgress from 'cli-progress';

export interface Progress {
  tick(n?: number): void;
  /** Raises the total when it was unknown or grew (streaming inputs). */
  setTotal(total: number): void;
  done(): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
  /** Seconds between plain log lines when not on a terminal. */
  logEverySeconds?: number;
}

export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { tick() {}, setTotal() {}, done() {} };
  if (stream.isTTY && !process.env.CI) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}`,
        etaBuffer: 50,
        fps: 5,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const start = Date.now();
    let value = 0;
    bar.start(total, 0, { rate: '0' });
    return {
      tick(n = 1) {
        value += n;
        bar.update(value, { rate: rate(value, start) });
      },
      setTotal(t) {
        bar.setTotal(t);
      },
      done() {
        bar.update(value, { rate: rate(value, start) });
        bar.stop();
      },
    };
  }
  const every = (opts.logEverySeconds ?? 10) * 1000;
  const start = Date.now();
  let last = start;
  let value = 0;
  let t = total;
  const line = (final: boolean) => {
    const secs = (Date.now() - start) / 1000;
    const r = value / Math.max(secs, 1e-3);
    const eta = !final && t > value && r > 0 ? ` ETA ${Math.round((t - value) / r)}s` : '';
    stream.write(`${label}: ${value}${t ? `/${t}` : ''} (${Math.round(r)}/s, ${secs.toFixed(1)}s)${eta}${final ? ' done' : ''}\n`);
  };
  return {
    tick(n = 1) {
      value += n;
      const now = Date.now();
      if (now - last >= every) {
        last = now;
        line(false);
      }
    },
    setTotal(x) {
      t = x;
    },
    done() {
      line(true);
    },
  };
}

function rate(value: number, start: number): string {
  return String(Math.round(value / Math.max((Date.now() - start) / 1000, 1e-3)));
}
