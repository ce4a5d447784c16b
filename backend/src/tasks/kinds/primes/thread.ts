/**
 * The entry of the primes kind's worker thread (one per attempt): counts the primes below
 * `workerData.below`, posting progress and then the answer. The parent ends it with terminate().
 */
import { parentPort, workerData } from 'node:worker_threads';
import { countPrimes, type ThreadMessage } from './count.js';

const port = parentPort!;
const post = (message: ThreadMessage): void => port.postMessage(message);
const { below } = workerData as { below: number };

const { count, largest } = countPrimes(below, (percent) => post({ type: 'progress', percent }));
post({ type: 'done', count, largest });
