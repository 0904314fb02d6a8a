// Worker thread of the Kaggle import: converts batches of snapshot lines (see ConvertPool in kaggle.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { convertLines, type ConvertOptions } from './kaggle.ts';

const opts = workerData as ConvertOptions;
parentPort!.on('message', (job: { seq: number; firstLine: number; batch: string[] }) => {
  parentPort!.postMessage({ seq: job.seq, result: convertLines(job.batch, job.firstLine, opts) });
});
