// The rehearsal's DNS: the deployment's public names (the feedback endpoint's, as an admin
// configures it) resolve to the servers the rehearsal runs on loopback, the way /etc/hosts would,
// without touching the machine. The runner preloads this module into every Node process of a
// workflow step (NODE_OPTIONS=--import) with the names in REHEARSAL_HOSTS ({"name":"127.0.0.1"}).
import dns from 'node:dns';
import { fileURLToPath } from 'node:url';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const names = new Map<string, string>();
const systemLookup = dns.lookup;

/** Resolves each name to its (IPv4) address in this process, from now on. */
export function mapHosts(map: Record<string, string>): void {
  for (const [name, address] of Object.entries(map)) names.set(name.toLowerCase(), address);
  if (dns.lookup !== systemLookup) return;
  dns.lookup = function lookup(hostname: string, options: unknown, callback?: unknown) {
    const address = names.get(String(hostname).toLowerCase());
    if (address === undefined)
      return (systemLookup as (...args: unknown[]) => void).apply(
        dns,
        [hostname, options, callback].filter((a) => a !== undefined),
      );
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
    const all = typeof options === 'object' && options !== null && (options as dns.LookupOptions).all;
    process.nextTick(() => (all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
  } as typeof dns.lookup;
}

export const HOSTS_MODULE = fileURLToPath(import.meta.url);

if (process.env.REHEARSAL_HOSTS) mapHosts(JSON.parse(process.env.REHEARSAL_HOSTS) as Record<string, string>);
