import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/testDatabase.js';

const run = promisify(execFile);
const child = new URL('./fixtures/closeChild.ts', import.meta.url).pathname;

describe('close()', () => {
  it('leaves no timer holding the process open after the workers ran a job', async () => {
    const db = await createTestDatabase();
    try {
      // The child ends by itself once close() returns; execFile waits for that exit.
      const { stdout } = await run(process.execPath, ['--import', 'tsx', child], {
        env: { ...process.env, DATABASE_URL: db.url },
        timeout: 50_000,
      });
      expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({
        status: 'executed',
        timers: 0,
      });
    } finally {
      await db.drop();
    }
  });
});
