import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createToken } from '../src/index.js';
import { count, createBenchDatabase } from './support.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

/**
 * Prints HTTP decisions/s at concurrency 16 (autocannon on loopback, each request approving
 * another pending lane) next to in-process decisions/s at concurrency 16 measured by the
 * serving process in the same run, and the HTTP latency percentiles.
 */
export async function runHttpBench(): Promise<void> {
  const db = await createBenchDatabase();
  const { token, tokenHash } = createToken();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./httpServerChild.ts', import.meta.url)),
      db.url,
      tokenHash,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /ready (\S+) (\S+)/.exec(out);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`bench server exited ${code}: ${out}`)));
    });
    const inProcess = Number(/inprocess ([\d.]+)/.exec(out)![1]);
    const lanes = JSON.parse(readFileSync(ready[2]!, 'utf8')) as string[];
    const result = await autocannon({
      url: ready[1]!,
      connections: 16,
      duration: SECONDS,
      requests: [
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'APPROVE' }),
          setupRequest: (request) => {
            const laneId = lanes.pop();
            if (!laneId) throw new Error('out of pending lanes: raise BENCH_HTTP_LANES');
            return { ...request, path: `/lanes/${laneId}/events` };
          },
        },
      ],
    });
    const ok = result['2xx'] / result.duration;
    console.log(
      `HTTP decisions c=16: ${count(ok)} events/s | in-process c=16: ${count(inProcess)} events/s | ` +
        `${((100 * ok) / inProcess).toFixed(0)}% (goal >= 50%); non-2xx ${result.non2xx}`,
    );
    console.log(
      `HTTP decision latency: p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await db.drop();
  }
}
