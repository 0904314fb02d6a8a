// Library entries → arXiv ids. An entry that names its arXiv id (eprint, arXiv URL or DOI, an
// "arXiv:" note) is matched by that id alone. The others are looked up by DOI and title in the
// paper store, and what is still unmatched by title on the arXiv search API — one polite request
// per entry, through the shared arXiv client and its spacing — unless offline. Entries never
// looked up (offline, arXiv unreachable) are reported apart from those arXiv does not have.
import { searchApi } from '../../arxiv/api.ts';
import { ArxivUnavailableError, type PoliteClient } from '../../arxiv/http.ts';
import type { Paper } from '../../store/paper.ts';
import type { PaperStore } from '../../store/papers.ts';
import { parseName, sameAuthor } from './authors.ts';
import { titleKey, type ArxivIdSource, type LibraryEntry } from './entries.ts';

type MatchedBy = ArxivIdSource | 'DOI in the store' | 'title in the store' | 'title on arXiv';

interface Matched {
  entry: LibraryEntry;
  id: string;
  by: MatchedBy;
}

interface Unmatched {
  entry: LibraryEntry;
  /** Why: nothing to look up by, or looked up and not found. */
  reason: string;
}

interface NotLookedUp {
  entry: LibraryEntry;
  /** Why the arXiv search was not asked: offline, or arXiv unreachable (with its error). */
  reason: string;
}

export interface LibraryMatch {
  matched: Matched[];
  unmatched: Unmatched[];
  notLookedUp: NotLookedUp[];
  /** Requests made to the arXiv search API. */
  requests: number;
}

export interface ArxivSearch {
  client: PoliteClient;
  apiUrl: string;
  /** Called before each request (progress). */
  onLookup?: (done: number, total: number) => void;
}

/** The store's papers by DOI and by title key (one pass over the store, a month's shard at a time). */
function storeIndex(store: PaperStore, onShard?: (done: number, total: number) => void): { byDoi: Map<string, string>; byTitle: Map<string, Pick<Paper, 'id' | 'authors'>[]> } {
  const byDoi = new Map<string, string>();
  const byTitle = new Map<string, Pick<Paper, 'id' | 'authors'>[]>();
  const shards = store.shards();
  shards.forEach((month, i) => {
    for (const p of store.readShard(month)) {
      if (p.doi) byDoi.set(p.doi.toLowerCase(), p.id);
      const key = titleKey(p.title);
      if (key) byTitle.set(key, [...(byTitle.get(key) ?? []), { id: p.id, authors: p.authors }]);
    }
    onShard?.(i + 1, shards.length);
  });
  return { byDoi, byTitle };
}

/** Whether a paper can be the entry's: same title, and one author in common when the entry names any. */
function sameWork(entry: LibraryEntry, paper: Pick<Paper, 'authors'>): boolean {
  if (entry.authors.length === 0) return true;
  return entry.authors.some((a) => {
    const name = parseName(a);
    return name.family.length > 0 && paper.authors.some((b) => sameAuthor({ family: name.family, given: [] }, b));
  });
}

/** arXiv phrase search over titles: the title's words, quoted (punctuation would break the query). */
function titleQuery(title: string): string {
  return `ti:"${titleKey(title)}"`;
}

/** The paper among `papers` that is the entry's work (same title, an author in common), or undefined. */
const sameTitle = (papers: Paper[], entry: LibraryEntry) => papers.find((p) => titleKey(p.title) === titleKey(entry.title!) && sameWork(entry, p));

/** Matches every entry; `onShard` follows the one pass over the store that DOI and title matching need. */
export async function matchLibrary(entries: LibraryEntry[], store: PaperStore, search: ArxivSearch | null, onShard?: (done: number, total: number) => void): Promise<LibraryMatch> {
  const out: LibraryMatch = { matched: [], unmatched: [], notLookedUp: [], requests: 0 };
  const rest: LibraryEntry[] = [];
  for (const entry of entries) {
    if (entry.arxiv) out.matched.push({ entry, id: entry.arxiv.id, by: entry.arxiv.from });
    else if (!entry.title && !entry.doi) out.unmatched.push({ entry, reason: 'no arXiv id, DOI or title to match by' });
    else rest.push(entry);
  }
  const order = new Map(entries.map((e, i) => [e, i]));
  const inOrder = () => {
    for (const list of [out.matched, out.unmatched, out.notLookedUp]) list.sort((a, b) => order.get(a.entry)! - order.get(b.entry)!);
    return out;
  };
  if (rest.length === 0) return inOrder();
  const { byDoi, byTitle } = storeIndex(store, onShard);
  const remote: LibraryEntry[] = [];
  for (const entry of rest) {
    const byDoiId = entry.doi ? byDoi.get(entry.doi) : undefined;
    const byTitleId = entry.title ? byTitle.get(titleKey(entry.title))?.find((p) => sameWork(entry, p))?.id : undefined;
    if (byDoiId) out.matched.push({ entry, id: byDoiId, by: 'DOI in the store' });
    else if (byTitleId) out.matched.push({ entry, id: byTitleId, by: 'title in the store' });
    // A title of punctuation alone ("???") gives nothing to search for.
    else if (entry.title && titleKey(entry.title)) remote.push(entry);
    else
      out.unmatched.push({
        entry,
        reason: entry.doi ? `DOI ${entry.doi} is not in the paper store, and there is no title to search arXiv for` : 'no paper with this title in the store, and no words in it to search arXiv for',
      });
  }
  if (!search) {
    for (const entry of remote) out.notLookedUp.push({ entry, reason: 'offline: not in the paper store, arXiv not searched' });
    return inOrder();
  }
  for (const [i, entry] of remote.entries()) {
    search.onLookup?.(i, remote.length);
    try {
      const found = await searchApi(search.client, search.apiUrl, { searchQuery: titleQuery(entry.title!), max: 5 }, 5);
      out.requests++;
      const paper = sameTitle(found.papers, entry);
      if (paper) out.matched.push({ entry, id: paper.id, by: 'title on arXiv' });
      else out.unmatched.push({ entry, reason: 'no paper with this title in the store or on arXiv' });
    } catch (err) {
      if (!(err instanceof ArxivUnavailableError)) {
        out.notLookedUp.push({ entry, reason: `arXiv search failed: ${(err as Error).message}` });
        continue;
      }
      // Unreachable through every retry: asking again for the next entries would only wait longer.
      for (const e of remote.slice(i)) out.notLookedUp.push({ entry: e, reason: `arXiv unreachable: ${err.message}` });
      break;
    }
  }
  search.onLookup?.(remote.length, remote.length);
  return inOrder();
}
