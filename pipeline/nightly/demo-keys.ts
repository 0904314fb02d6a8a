// The demo keypair: it seals the example profiles shipped in profiles/, and lives in the
// repository's paperboy.demo.config.json. The demo opens them with it; the doctor tells a
// deployment still using it apart from one with its own keys.
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { readRecord } from '../store/read.ts';

const DEMO_CONFIG = fileURLToPath(new URL('../../paperboy.demo.config.json', import.meta.url));

const demoConfig = {
  schema: z.object({ profiles: z.object({ publicKey: z.string().min(1), privateKey: z.string().min(1) }) }),
  what: 'the demo configuration (profiles.publicKey and profiles.privateKey)',
};

export function demoProfileKeys(): { publicKey: string; privateKey: string } {
  const config = readRecord(DEMO_CONFIG, demoConfig);
  if (!config) throw new Error(`${DEMO_CONFIG} is missing`);
  return { publicKey: config.profiles.publicKey, privateKey: config.profiles.privateKey };
}
