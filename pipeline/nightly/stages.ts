// The nightly's stages, in the order a night runs them. Apart from the edition record (which
// loads zod to check records) so that the command line can list them without loading a stage.
export const STAGES = ['backfill', 'fetch', 'embed', 'index', 'feedback', 'recommend', 'tldr', 'render', 'send', 'site'] as const;
export type StageName = (typeof STAGES)[number];
