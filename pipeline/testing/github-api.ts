// GitHub's REST API on loopback HTTP, the part the nightly's scripts and `paperboy doctor` call:
// a workflow's runs, a run's artifacts (downloaded as GitHub serves them: a redirect to a zip,
// an actions/upload-pages-artifact artifact being a tar inside it), the Actions cache list and
// deletes, the Pages source and the workflow's state. The caller holds the runs and caches (the
// rehearsal's runner, a test); answers carry GitHub's field names, zips are made by `tar` and `zip`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface FakeArtifact {
  name: string;
  /** The folder uploaded. */
  dir: string;
  expired?: boolean;
}

export interface FakeRun {
  id: number;
  event: string;
  conclusion: 'success' | 'failure' | 'cancelled';
  branch: string;
  /** The workflow file: `.github/workflows/nightly.yml` unless said. */
  path?: string;
  created: string;
  artifacts: FakeArtifact[];
}

export interface FakeCache {
  id: number;
  key: string;
  ref: string;
}

export interface FakeGitHubState {
  runs: () => FakeRun[];
  caches: () => FakeCache[];
  deleteCache: (id: number) => void;
}

export class FakeGitHub {
  readonly url: string;
  /** `METHOD path` of every request, in order. */
  readonly requests: string[] = [];
  private readonly server: Server;
  private readonly scratch: string;

  private constructor(server: Server, scratch: string) {
    this.server = server;
    this.scratch = scratch;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Serves `repository`'s API from `state`; zips are made in a scratch folder under `root`. */
  static async start(repository: string, state: FakeGitHubState, root: string): Promise<FakeGitHub> {
    const scratch = mkdtempSync(join(root, 'github-api-'));
    const artifacts = () => state.runs().flatMap((run) => run.artifacts.map((a, i) => ({ run, artifact: a, id: run.id * 100 + i })));
    let self: FakeGitHub;
    const server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      self.requests.push(`${req.method} ${url.pathname}${url.search}`);
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      // The artifact store: no token (GitHub's signed URL carries its own).
      const blob = /^\/blob\/(\d+)$/.exec(url.pathname);
      if (blob && req.method === 'GET') {
        const found = artifacts().find((a) => a.id === Number(blob[1]));
        if (!found) return send(404, { message: 'Not Found' });
        res.writeHead(200, { 'content-type': 'application/zip' });
        return res.end(zipArtifact(found.artifact, join(scratch, String(found.id))));
      }
      if (!req.headers.authorization?.startsWith('Bearer ')) return send(401, { message: 'Requires authentication' });
      const prefix = `/repos/${repository}/`;
      if (!url.pathname.startsWith(prefix)) return send(404, { message: 'Not Found' });
      const path = url.pathname.slice(prefix.length);
      const q = url.searchParams;
      if (req.method === 'GET' && path === 'pages') return send(200, { build_type: 'workflow' });
      if (req.method === 'GET' && path === 'actions/workflows/nightly.yml') return send(200, { state: 'active' });
      if (req.method === 'GET' && path === 'actions/workflows/nightly.yml/runs') {
        const runs = state
          .runs()
          .filter((r) => (r.path ?? '.github/workflows/nightly.yml') === '.github/workflows/nightly.yml')
          .filter((r) => (!q.get('branch') || r.branch === q.get('branch')) && (!q.get('status') || r.conclusion === q.get('status')))
          .sort((a, b) => b.id - a.id)
          .slice(0, Number(q.get('per_page') ?? 30));
        return send(200, {
          total_count: runs.length,
          workflow_runs: runs.map((r) => ({
            id: r.id,
            event: r.event,
            status: 'completed',
            conclusion: r.conclusion,
            head_branch: r.branch,
            path: r.path ?? '.github/workflows/nightly.yml',
            created_at: r.created,
            head_repository: { full_name: repository },
          })),
        });
      }
      const runArtifacts = /^actions\/runs\/(\d+)\/artifacts$/.exec(path);
      if (req.method === 'GET' && runArtifacts) {
        const list = artifacts().filter((a) => a.run.id === Number(runArtifacts[1]));
        return send(200, {
          total_count: list.length,
          artifacts: list.map((a) => ({
            id: a.id,
            name: a.artifact.name,
            expired: a.artifact.expired ?? false,
            size_in_bytes: 1000,
            archive_download_url: `${self.url}${prefix}actions/artifacts/${a.id}/zip`,
          })),
        });
      }
      const zip = /^actions\/artifacts\/(\d+)\/zip$/.exec(path);
      if (req.method === 'GET' && zip) {
        const found = artifacts().find((a) => a.id === Number(zip[1]));
        if (!found || found.artifact.expired) return send(410, { message: 'Artifact has expired' });
        return send(302, undefined, { location: `${self.url}/blob/${found.id}` });
      }
      if (req.method === 'GET' && path === 'actions/caches') {
        const list = state.caches().filter((c) => c.key.startsWith(q.get('key') ?? '') && (!q.get('ref') || c.ref === q.get('ref')));
        return send(200, { total_count: list.length, actions_caches: list.map((c) => ({ id: c.id, key: c.key, ref: c.ref, size_in_bytes: 1000 })) });
      }
      const cache = /^actions\/caches\/(\d+)$/.exec(path);
      if (req.method === 'DELETE' && cache) {
        if (!state.caches().some((c) => c.id === Number(cache[1]))) return send(404, { message: 'Not Found' });
        state.deleteCache(Number(cache[1]));
        return send(204);
      }
      return send(404, { message: 'Not Found' });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeGitHub(server, scratch);
    return self;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

/** An artifact's zip as GitHub serves it: the Pages one holds `artifact.tar` (actions/upload-pages-artifact), others the folder's files. */
function zipArtifact(artifact: FakeArtifact, work: string): Buffer {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const zip = join(work, 'artifact.zip');
  if (artifact.name === 'github-pages') {
    execFileSync('tar', ['--directory', artifact.dir, '-cf', join(work, 'artifact.tar'), '--exclude=.git', '--exclude=.github', '.']);
    execFileSync('zip', ['-q', '-j', zip, join(work, 'artifact.tar')]);
  } else {
    execFileSync('zip', ['-q', '-r', zip, '.'], { cwd: artifact.dir });
  }
  return readFileSync(zip);
}
