// Developer tool: screenshots of the main pages, signed in as the demo administrator, with an
// axe-core report per page. Usage: node tests/e2e/shots.mjs http://127.0.0.1:8080 OUTDIR [lang]
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, out = 'shots', lang = 'sv'] = process.argv.slice(2);
mkdirSync(out, { recursive: true });
const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'sb-shots-')), {
  executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'] });
const page = ctx.pages()[0] ?? await ctx.newPage();
await page.goto(`${base}/login?lang=${lang}`);
await page.screenshot({ path: join(out, '00-login.png'), fullPage: true });
await page.fill('#email', 'admin@styrbord.example');
await page.fill('#password', 'styrbord-demo');
await Promise.all([page.waitForURL(/\/org/), page.click('button[type=submit]')]);
// SHOTS_PAGES="/a,/b" replaces the default list.
const pages = process.env.SHOTS_PAGES ? process.env.SHOTS_PAGES.split(',') : ['/org', '/org/units/RK', '/org/units/CE', '/org/units/new?parent=CE', '/org/units/CE/edit', '/users', '/modules', '/modules/vgpu/model',
  '/users/new', '/audit', '/settings'];
let i = 1;
for (const p of pages) {
  await page.goto(base + p);
  const name = `${String(i++).padStart(2, '0')}-${p.replace(/[^a-z0-9]+/gi, '_')}.png`;
  await page.screenshot({ path: join(out, name), fullPage: true });
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  console.log(p, r.violations.map(v => `${v.id} (${v.impact}) x${v.nodes.length}: ${v.nodes[0]?.target}`).join('; ') || 'axe ok');
}
await ctx.close();
