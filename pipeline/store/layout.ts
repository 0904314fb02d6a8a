// Where everything lives under the data dir. Every stage asks here for its paths, so the store's
// layout is written down once (docs: "Store layout"), and what is private or derived (for the
// state branch's vault and .gitignore) is named beside the folders themselves.
import { join } from 'node:path';
import { idBlock, idMonth } from './paper.ts';

/** Folders that hold private subscriber data: sealed into the vault, never committed as they are. */
export const PRIVATE_DIRS = ['feedback', 'profiles-state', 'send', 'state', 'endpoint', 'private'] as const;

/**
 * Whether a private file (its path in the store, with `/`) is a cache: a learned profile
 * (`profiles-state/<id>.json`; ids have no dot, so `<id>.imported.json` is not one), which the
 * nightly derives again from the profile and the feedback log before every use. Caches stay out
 * of the vault: a learned profile changes every night (decay), so sealed it was committed anew
 * each night for every subscriber, the largest part of the sealed history.
 */
export function isPrivateCache(rel: string): boolean {
  return /^profiles-state\/[^/.]+\.json$/.test(rel);
}

/** Folders rebuilt from the store (or written for a person to look at): never committed. */
export const DERIVED_DIRS = ['models', 'index', 'site', 'site-manifests', 'previews', 'mail', 'digest'] as const;

/** Progress of a history back-fill (its summary names the file). */
export const BACKFILL_FILE = 'backfill.json';

export const VAULT_DIR = 'vault';
/** The vault of Paperboy before per-file sealing: one file, read once and replaced by the next seal. */
export const LEGACY_VAULT_FILE = join(VAULT_DIR, 'private-state.sealed');
/** Which vault `state open` opened (nightly/state.ts): a seal is refused without it. */
const VAULT_OPENED = '.vault-opened';

/** `.gitignore` of the state branch: derived and private files stay out of git. */
export const STATE_IGNORE = [...DERIVED_DIRS, ...PRIVATE_DIRS].map((d) => `/${d}/`).concat(`/${VAULT_OPENED}`, '*.lock', '*.tmp');

/** The paths of one data dir. */
export function dataLayout(dataDir: string) {
  const at = (...parts: string[]) => join(dataDir, ...parts);
  return {
    root: dataDir,
    // --- the store: committed as it is ----------------------------------------------------------
    /** Papers: per id month a folder of JSON-lines block files, 5,000 ids each (`<yymm>/<block>.jsonl`). */
    papers: at('papers'),
    paperBlock: (id: string) => at('papers', idMonth(id), `${idBlock(id)}.jsonl`),
    /** Embeddings, by model. */
    vectors: at('vectors'),
    /** The committed offline model (its parts, tokenizer and info). */
    offlineModel: at('offline-model'),
    /** Similar papers: per id month a folder of JSON-lines block files as the papers' (`<yymm>/<block>.jsonl`), the term table and the meta file. */
    similar: at('similar'),
    similarBlock: (id: string) => at('similar', idMonth(id), `${idBlock(id)}.jsonl`),
    /** The archive map's 2-D layout. */
    mapLayout: at('map', 'layout.json'),
    /** What each night did, for "why no email today?". */
    editions: at('editions'),
    edition: (date: string) => at('editions', `${date}.json`),
    /** Progress of a history backfill. */
    backfill: at(BACKFILL_FILE),
    // --- derived ----------------------------------------------------------------------------------
    /** Runnable models (the static model lives in `models/paperboy/static-lsa/`). */
    models: at('models'),
    indexDir: at('index'),
    indexFile: at('index', 'papers.faiss'),
    /** The stored papers' sparse rows for the similar-papers score, one file per id month (pipeline/index/sparse-store.ts). */
    sparseRows: at('index', 'sparse'),
    /** The built archive (`paperboy site`'s default output). */
    site: at('site'),
    /** Prefix of a site build's scratch folders (kept inside the data dir: nothing is written outside it). */
    siteBuildScratch: at('.site-build-'),
    /** What each site build was made from (pipeline/site/incremental.ts), one manifest per output folder. */
    siteManifest: (name: string) => at('site-manifests', `${name}.json`),
    /** Rendered emails of `paperboy digest`: one folder per edition, and `preview`. */
    digest: (edition: string) => at('digest', edition),
    compiledTemplate: (mjmlVersion: string) => at('digest', 'compiled', `${mjmlVersion}.json`),
    previews: at('previews'),
    mail: at('mail'),
    lock: (name: string) => at(`${name}.lock`),
    // --- private ----------------------------------------------------------------------------------
    feedback: at('feedback'),
    feedbackLog: (subscriber: string) => at('feedback', `${subscriber}.jsonl`),
    profilesState: at('profiles-state'),
    profileState: (subscriber: string) => at('profiles-state', `${subscriber}.json`),
    /** Interest vectors a subscriber brought along (`profile import`). */
    importedVectors: (subscriber: string) => at('profiles-state', `${subscriber}.imported.json`),
    /** Editions and what each sent a subscriber. */
    sent: (subscriber: string) => at('profiles-state', 'sent', `${subscriber}.json`),
    sendDir: at('send'),
    sendLedger: at('send', 'ledger.sqlite'),
    eventsCursor: at('state', 'events-cursor.json'),
    votes: at('endpoint', 'votes.sqlite'),
    picksDir: at('private', 'picks'),
    picks: (date: string) => at('private', 'picks', `${date}.json`),
    /** Rendered messages waiting to be sent (they hold unsealed addresses). */
    outboxes: at('private', 'outbox'),
    outbox: (date: string) => at('private', 'outbox', date),
    runReports: at('private', 'runs'),
    runReport: (date: string) => at('private', 'runs', `${date}.json`),
    tldrCache: at('private', 'tldr'),
    // --- the vault (state branch) ---------------------------------------------------------------
    vault: at(VAULT_DIR),
    legacyVault: at(LEGACY_VAULT_FILE),
    vaultOpened: at(VAULT_OPENED),
    gitignore: at('.gitignore'),
  } as const;
}
