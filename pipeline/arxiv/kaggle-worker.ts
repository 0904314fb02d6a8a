// Worker thread of the Kaggle import: converts chunks of snapshot lines (see ConvertPool in kaggle.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { convertChunk, type ConvertOptions } from './kaggle.ts';

const opts = workerData as ConvertOptions;
parentPort!.on('message', ({ seq, chunk }: { seq: number; chunk: Uint8Array }) => {
  const result = convertChunk(chunk, opts);
  parentPort!.postMessage({ seq, result }, [result.bytes.buffer as ArrayBuffer, result.ends.buffer as ArrayBuffer]);
});
