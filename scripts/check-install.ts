// Exits 0 when the installed native parts work, else prints what failed and exits 1: faiss-node's
// addon loads and answers a search, onnxruntime-node loads. scripts/runner-setup.sh runs it on a
// node_modules restored from the Actions cache, so a cache built on another runner image (or a
// damaged one) falls back to the full install instead of failing the night later.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  const faiss = require('faiss-node') as typeof import('faiss-node');
  const index = new faiss.IndexFlatIP(2);
  index.add([1, 0, 0, 1]);
  const hit = index.search([0, 1], 1);
  if (hit.labels[0] !== 1) throw new Error(`faiss-node answers ${hit.labels[0]} where 1 is right`);
  require('onnxruntime-node');
} catch (err) {
  console.log(`a native module does not work: ${(err as Error).message.split('\n')[0]}`);
  process.exit(1);
}
