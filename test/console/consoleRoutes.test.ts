import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { consoleAssetsDir, consoleRoutes } from '../../src/http/consoleRoutes.js';

async function serve(root: string) {
  const app = Fastify();
  await consoleRoutes(app, root);
  return app;
}

describe('console routes', () => {
  it('serves the built page and its assets, revalidating the page and keeping the assets', async () => {
    const root = mkdtempSync(join(tmpdir(), 'countersign-console-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = await serve(root);
    const page = await app.inject('/console/');
    expect([page.statusCode, page.headers['cache-control']]).toEqual([200, 'no-cache']);
    expect(page.body).toContain('<title>console</title>');
    const asset = await app.inject('/console/assets/index-abc.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const home = await app.inject('/');
    expect([home.statusCode, home.headers.location]).toEqual([302, '/console/']);
    expect((await app.inject('/console')).statusCode).toBe(301);
    expect((await app.inject('/console/../package.json')).statusCode).not.toBe(200);
    await app.close();
  });

  it('answers 503 with what to do when the console was never built', async () => {
    const app = await serve(mkdtempSync(join(tmpdir(), 'countersign-console-')));
    const res = await app.inject('/console/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toMatch(/npm run build/);
    await app.close();
  });

  it('finds dist/console under the package root from the sources and from the build', () => {
    const root = join(import.meta.dirname, '../..');
    expect(consoleAssetsDir(join(root, 'src/http'))).toBe(join(root, 'dist/console'));
    expect(consoleAssetsDir(join(root, 'dist/src/http'))).toBe(join(root, 'dist/console'));
  });
});
