// Browser end-to-end and accessibility checks for Styrbord.
//
//   node tests/e2e/e2e.mjs http://127.0.0.1:18080
//
// Drives Debian's Chromium (/usr/bin/chromium) with playwright-core; no browser is ever downloaded.
// Expects a server with the demo data loaded (`styrbord demo`): admin@styrbord.example /
// styrbord-demo, units "Regionkontoret" and "Centrum för ekonomi", user "Ulla Användare".
// Every page visited gets a full-page screenshot in tests/e2e/out/NN-name.png and an axe-core
// run (WCAG 2.0/2.1 A and AA); each axe run is a check of its own.
// Prints one line per check, then `e2e: N passed, N failed`; exits 1 if any check failed.

import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { mkdtempSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BASE = (process.argv[2] ?? '').replace(/\/+$/, '');
if (!/^https?:\/\//.test(BASE)) {
  console.error('usage: node e2e.mjs <base-url>   e.g. http://127.0.0.1:18080');
  process.exit(2);
}

const ADMIN_EMAIL = 'admin@styrbord.example';
const ADMIN_PASSWORD = 'styrbord-demo';
const PARENT_UNIT = 'Centrum för ekonomi';
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const STEP_TIMEOUT_MS = 15_000;
const OVERALL_TIMEOUT_MS = 5 * 60_000;

const OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (f.endsWith('.png')) rmSync(join(OUT, f));

// Every browser profile lives here; removed on any exit (also on a timeout or a signal).
const PROFILES = mkdtempSync(join(tmpdir(), 'styrbord-e2e-'));
process.on('exit', () => {
  try { rmSync(PROFILES, { recursive: true, force: true, maxRetries: 3 }); } catch { /* best effort */ }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => { console.log(`e2e: interrupted by ${sig}`); process.exit(130); });
}

let passed = 0;
let failed = 0;
let shot = 0;
const contexts = [];

function finish() {
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  return failed > 0 || passed === 0 ? 1 : 0;
}

// A hard stop so that a wedged browser can never hang CI.
setTimeout(() => {
  console.log(`FAIL overall timeout: e2e did not finish within ${OVERALL_TIMEOUT_MS / 1000} s`);
  failed++;
  process.exit(finish());
}, OVERALL_TIMEOUT_MS).unref();

function pass(name) { passed++; console.log(`ok   ${name}`); }
function fail(name, err) {
  failed++;
  // eslint-disable-next-line no-control-regex
  const msg = String(err?.message ?? err).replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter(Boolean).slice(0, 6).join('\n       ');
  console.log(`FAIL ${name}\n       ${msg}`);
}

// The page the current flow drives: a failed check saves a screenshot of it (NN-FAIL-<check>.png).
let currentPage = null;

async function check(name, fn) {
  try { await fn(); pass(name); return true; } catch (e) {
    fail(name, e);
    if (currentPage && !name.startsWith('axe ')) {
      const file = `${String(++shot).padStart(2, '0')}-FAIL-${name.split(' ')[0]}.png`;
      await currentPage.screenshot({ path: join(OUT, file), fullPage: true, timeout: 5_000 })
        .then(() => console.log(`       (screenshot tests/e2e/out/${file})`), () => {});
    }
    return false;
  }
}

function assert(cond, msg) { if (!cond) throw new Error(msg); }

async function until(fn, msg, timeout = 5_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { if (await fn()) return; } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(msg + (last ? ` (${last.message})` : ''));
    await new Promise((r) => setTimeout(r, 100));
  }
}

const pathOf = (page) => new URL(page.url()).pathname;
const url = (path) => BASE + path;

async function h1Text(page) {
  const h1 = page.getByRole('heading', { level: 1 }).first();
  await h1.waitFor({ timeout: STEP_TIMEOUT_MS });
  return (await h1.innerText()).trim();
}

async function expectH1(page, text) {
  const h = await h1Text(page);
  assert(h === text, `expected h1 "${text}", got "${h}" at ${page.url()}`);
}

// Click something that navigates (link, form submit, POST-redirect-GET) and wait for the new page.
async function clickAndWait(page, locator) {
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'load', timeout: STEP_TIMEOUT_MS }),
    locator.click({ timeout: STEP_TIMEOUT_MS }),
  ]);
}

// Screenshot + axe for every page visited; each axe run is reported as a check.
// axe-core cannot finish in a page with JavaScript disabled (its run is asynchronous), so for such
// a page pass `axeVia`, a JavaScript-enabled page: it gets the very same document (served from
// the no-JS page's HTML at the same URL; stylesheets and images load from the server as usual).
async function visited(page, name, { axe = true, axeVia = null } = {}) {
  await page.waitForLoadState('load');
  const file = `${String(++shot).padStart(2, '0')}-${name}.png`;
  try {
    await page.screenshot({ path: join(OUT, file), fullPage: true, timeout: STEP_TIMEOUT_MS });
  } catch (e) {
    console.log(`     (screenshot ${file} failed: ${e.message.split('\n')[0]})`);
  }
  if (!axe) return;
  const label = `axe ${file.replace(/\.png$/, '')} ${pathOf(page)}${axeVia ? ' (no-JS DOM)' : ''}: no WCAG 2.1 A/AA violations`;
  await check(label, async () => {
    let target = page;
    let route = null;
    if (axeVia) {
      const html = await page.content();
      const href = page.url();
      route = (u) => u.href === href;
      await axeVia.route(route, (r) => r.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
      await axeVia.goto(href);
      target = axeVia;
    }
    try {
      const r = await new AxeBuilder({ page: target }).withTags(AXE_TAGS).analyze();
      if (r.violations.length) {
        throw new Error(r.violations.map((v) =>
          `${v.id} (${v.impact}) x${v.nodes.length}: ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`,
        ).join('\n'));
      }
    } finally {
      if (route) await axeVia.unroute(route);
    }
  });
}

async function newContext(opts = {}) {
  const profile = mkdtempSync(join(PROFILES, 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
    locale: 'sv-SE',
    viewport: { width: 1280, height: 900 },
    ...opts,
  });
  contexts.push({ ctx, profile });
  ctx.setDefaultTimeout(STEP_TIMEOUT_MS);
  ctx.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  return { ctx, page };
}

async function login(page, email, password) {
  await field(page, 'E-postadress').fill(email);
  await field(page, 'Lösenord').fill(password);
  await clickAndWait(page, page.getByRole('button', { name: 'Logga in', exact: true }));
}

// A form control by its label: the label starts with the text (so "Kortnamn (valfritt)" and
// "Namn *" match), but "Namn" does not match "Kortnamn".
function field(page, label) {
  const esc = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return page.getByLabel(new RegExp(`^\\s*${esc}(?![\\p{L}\\p{N}])`, 'u'));
}

function rand() { return Math.random().toString(36).slice(2, 8).toUpperCase().padEnd(6, 'X'); }
function today() { return new Date().toISOString().slice(0, 10); }

// Opens the "Ny underenhet" form from the current unit page, fills it and submits it.
// Returns the new unit's page URL.
async function createUnit(page, key, name, shotPrefix, visitOpts = {}) {
  await clickAndWait(page, page.getByRole('link', { name: 'Ny underenhet', exact: true }));
  await field(page, 'Nyckel').waitFor();
  await visited(page, `${shotPrefix}new-unit-form`, visitOpts);
  for (const label of ['Nyckel', 'Namn', 'Kortnamn', 'Giltig från']) {
    assert(await field(page, label).count() > 0, `form has no field labelled "${label}"`);
  }
  // The parent must be preselected: a select showing it, or (read-only form) its name in the form.
  const selected = await page.locator('form select').evaluateAll((sels) =>
    sels.map((s) => s.selectedOptions[0]?.textContent?.trim() ?? ''));
  const formText = await page.locator('form', { has: field(page, 'Nyckel') }).innerText();
  assert(selected.some((t) => t.includes(PARENT_UNIT)) || formText.includes(PARENT_UNIT),
    `parent "${PARENT_UNIT}" is not preselected in the form (selected options: ${JSON.stringify(selected)})`);
  await field(page, 'Nyckel').fill(key);
  await field(page, 'Namn').fill(name);
  const validFrom = field(page, 'Giltig från');
  if (!(await validFrom.inputValue())) await validFrom.fill(today());
  await clickAndWait(page, page.getByRole('button', { name: 'Skapa enhet', exact: true }));
  await expectH1(page, name);
  return page.url();
}

// ---------------------------------------------------------------------------------------------

async function preflight() {
  try {
    const res = await fetch(url('/login'), { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    assert(res.status < 500, `GET /login answered ${res.status}`);
  } catch (e) {
    console.log(`FAIL server reachable at ${BASE}\n       ${e.cause?.message ?? e.message}`);
    failed++;
    process.exit(finish());
  }
  pass(`server reachable at ${BASE}`);
}

async function mainFlow(page) {
  currentPage = page;
  const key = `E2E-${rand()}`;
  const unitName = `Enheten för e2e-test ${key.slice(4)}`;
  let unitUrl = null;

  // a. login page, wrong password, right password
  const loginOk = await check('a1 /login shows the login form', async () => {
    await page.goto(url('/login'));
    await field(page, 'E-postadress').waitFor();
    await field(page, 'Lösenord').waitFor();
    await page.getByRole('button', { name: 'Logga in', exact: true }).waitFor();
    const lang = await page.locator('html').getAttribute('lang');
    assert(lang === 'sv', `<html lang> is "${lang}", expected "sv"`);
  });
  if (!loginOk) return skipRest('main flow', 'login page missing');
  await visited(page, 'login');

  await check('a2 wrong password is refused with an error on the login page', async () => {
    await login(page, ADMIN_EMAIL, 'not-the-password');
    await page.getByText('Fel e-postadress eller lösenord').first().waitFor();
    assert(pathOf(page).startsWith('/login'), `expected to stay on /login, got ${page.url()}`);
    await field(page, 'E-postadress').waitFor();
  });
  await visited(page, 'login-error');

  const loggedIn = await check('a3 admin logs in and lands on /org', async () => {
    await page.goto(url('/login'));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert(pathOf(page) === '/org', `expected /org after login, got ${page.url()}`);
  });
  if (!loggedIn) return skipRest('main flow', 'login failed');

  // b. organisation tree
  await check('b1 /org has h1 "Organisation" and the demo units', async () => {
    await expectH1(page, 'Organisation');
    await page.getByRole('link', { name: 'Regionkontoret', exact: true }).first().waitFor();
    await page.getByRole('link', { name: PARENT_UNIT, exact: true }).first().waitFor();
  });
  await visited(page, 'org');
  await check(`b2 clicking "${PARENT_UNIT}" opens its unit page`, async () => {
    await clickAndWait(page, page.getByRole('link', { name: PARENT_UNIT, exact: true }).first());
    await expectH1(page, PARENT_UNIT);
  });
  await visited(page, 'unit');

  // c. new sub-unit
  await check(`c1 "Ny underenhet" creates ${key} under "${PARENT_UNIT}"`, async () => {
    if (!(await h1Text(page).catch(() => '')).includes(PARENT_UNIT)) throw new Error('not on the parent unit page');
    unitUrl = await createUnit(page, key, unitName, '');
  });
  if (unitUrl) {
    await visited(page, 'new-unit');
    await check('c2 the new unit shows its parent as a link', async () => {
      const scope = (await page.locator('main').count()) ? page.locator('main') : page.locator('body');
      await scope.getByRole('link', { name: PARENT_UNIT, exact: true }).first().waitFor();
    });
  }

  // d. role grant
  await check('d1 grant "Ulla Användare" the role Användare on all modules', async () => {
    assert(unitUrl, 'no new unit (step c failed)');
    if (page.url() !== unitUrl) await page.goto(unitUrl);
    const user = field(page, 'Användare');
    const value = await user.locator('option', { hasText: 'Ulla Användare' }).first().evaluate((o) => o.value);
    await user.selectOption(value);
    await field(page, 'Roll').selectOption({ label: 'Användare' });
    await field(page, 'Modul').selectOption({ label: 'Alla moduler' });
    await clickAndWait(page, page.getByRole('button', { name: 'Tilldela roll', exact: true }));
  });
  if (unitUrl) await visited(page, 'role-granted');
  await check('d2 table "Roller på enheten" lists Ulla Användare as Användare', async () => {
    assert(unitUrl, 'no new unit (step c failed)');
    const table = page.getByRole('table', { name: 'Roller på enheten' });
    await table.waitFor();
    const row = table.getByRole('row').filter({ hasText: 'Ulla Användare' })
      .filter({ has: page.getByRole('cell', { name: 'Användare', exact: true }) });
    await until(async () => (await row.count()) > 0, 'no row with "Ulla Användare" and a cell "Användare"');
  });

  // e. audit log
  const auditOk = await check('e1 main nav link "Händelselogg" opens /audit', async () => {
    const nav = page.getByRole('navigation').getByRole('link', { name: 'Händelselogg', exact: true });
    const link = (await nav.count()) ? nav.first() : page.getByRole('link', { name: 'Händelselogg', exact: true }).first();
    await clickAndWait(page, link);
    assert(pathOf(page) === '/audit', `expected /audit, got ${page.url()}`);
    await expectH1(page, 'Händelselogg');
  });
  if (auditOk) await visited(page, 'audit');
  const eventRows = (text) => page.getByRole('row').filter({ hasText: text });
  await check('e2 the log shows "Skapad" for the new unit and a "Roll tilldelad" event', async () => {
    assert(auditOk, 'not on /audit');
    assert(unitUrl, 'no new unit (step c failed)');
    assert(await eventRows(unitName).filter({ hasText: 'Skapad' }).count() > 0,
      `no row with "${unitName}" and "Skapad"`);
    assert(await eventRows('Roll tilldelad').count() > 0, 'no row with "Roll tilldelad"');
  });
  await check('e3 filter Objekttyp = Organisationsenhet keeps the unit event, drops the role event', async () => {
    assert(auditOk, 'not on /audit');
    await field(page, 'Objekttyp').selectOption({ label: 'Organisationsenhet' });
    await clickAndWait(page, page.getByRole('button', { name: 'Filtrera', exact: true }));
    await expectH1(page, 'Händelselogg');
    if (unitUrl) {
      assert(await eventRows(unitName).filter({ hasText: 'Skapad' }).count() > 0,
        `filtered log has no row with "${unitName}" and "Skapad"`);
    }
    const roleRows = await eventRows('Roll tilldelad').count();
    assert(roleRows === 0, `filtered log still shows ${roleRows} "Roll tilldelad" row(s)`);
  });
  if (auditOk) await visited(page, 'audit-filtered');

  // f. language switch
  const enOk = await check('f1 "English" switches the page to English', async () => {
    if (pathOf(page) !== '/audit') await page.goto(url('/audit'));
    const banner = page.getByRole('banner').getByRole('link', { name: 'English', exact: true });
    const link = (await banner.count()) ? banner.first() : page.getByRole('link', { name: 'English', exact: true }).first();
    await clickAndWait(page, link);
    const lang = await page.locator('html').getAttribute('lang');
    assert(lang === 'en', `<html lang> is "${lang}", expected "en"`);
    await expectH1(page, 'Event log');
  });
  if (enOk) await visited(page, 'audit-en');
  await check('f2 "Svenska" switches back to Swedish', async () => {
    await clickAndWait(page, page.getByRole('link', { name: 'Svenska', exact: true }).first());
    const lang = await page.locator('html').getAttribute('lang');
    assert(lang === 'sv', `<html lang> is "${lang}", expected "sv"`);
    await expectH1(page, 'Händelselogg');
  });
  await visited(page, 'audit-sv');

  // g. keyboard: skip link
  await check('g1 first Tab on /org focuses the skip link "Hoppa till innehåll"', async () => {
    await page.goto(url('/org'));
    await expectH1(page, 'Organisation');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => ({
      tag: document.activeElement?.tagName, text: document.activeElement?.textContent?.trim(),
    }));
    assert(focused.tag === 'A' && focused.text === 'Hoppa till innehåll',
      `focused ${focused.tag} "${focused.text}", expected the link "Hoppa till innehåll"`);
  });
  await visited(page, 'org-skip-link', { axe: false });
  await check('g2 Enter on the skip link moves focus to <main>', async () => {
    await page.keyboard.press('Enter');
    await until(() => page.evaluate(() => document.activeElement?.tagName === 'MAIN'),
      'focus is not on <main> (give <main> an id and tabindex="-1")', 3_000);
  });
  await visited(page, 'org-main-focused');

  // h. logout
  await check('h1 "Logga ut" ends the session and returns to /login', async () => {
    await clickAndWait(page, page.getByRole('button', { name: 'Logga ut', exact: true }));
    assert(pathOf(page).startsWith('/login'), `expected /login after logout, got ${page.url()}`);
    await field(page, 'E-postadress').waitFor();
  });
  await visited(page, 'logged-out');
  await check('h2 after logout, /org leads to /login', async () => {
    await page.goto(url('/org'));
    assert(pathOf(page).startsWith('/login'), `/org after logout should lead to /login, got ${page.url()}`);
  });
}

async function noJsFlow(axeVia) {
  const { page } = await newContext({ javaScriptEnabled: false });
  currentPage = page;
  const via = { axeVia };
  const key = `E2E-${rand()}`;
  const unitName = `Enheten för e2e-test ${key.slice(4)}`;
  const loggedIn = await check('i1 without JavaScript: log in', async () => {
    await page.setContent('<title>off</title><script>document.title = "on"</script>');
    assert(await page.title() === 'off', 'JavaScript is not disabled in this browser context');
    await page.goto(url('/login'));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert(pathOf(page) === '/org', `expected /org after login, got ${page.url()}`);
  });
  if (!loggedIn) return skipRest('no-JS flow', 'login failed');
  await visited(page, 'nojs-org', via);
  await check(`i2 without JavaScript: create ${key} under "${PARENT_UNIT}"`, async () => {
    await clickAndWait(page, page.getByRole('link', { name: PARENT_UNIT, exact: true }).first());
    await expectH1(page, PARENT_UNIT);
    await visited(page, 'nojs-unit', via);
    await createUnit(page, key, unitName, 'nojs-', via);
    const scope = (await page.locator('main').count()) ? page.locator('main') : page.locator('body');
    await scope.getByRole('link', { name: PARENT_UNIT, exact: true }).first().waitFor();
  });
  await visited(page, 'nojs-new-unit', via);
}

// The planning pages: the plan of a unit as a table, a new indicator through the form, and a
// value reported in the follow-up window with the keyboard only, then seen in the plan.
async function planFlow() {
  const { page } = await newContext();
  currentPage = page;
  const title = `E2E-indikator ${rand()}`;
  const planUrl = url('/units/CE/plan?module=vgpu&period=2020-T1');
  const loggedIn = await check('p0 plan: log in', async () => {
    await page.goto(url('/login'));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    assert(pathOf(page) === '/org', `expected /org after login, got ${page.url()}`);
  });
  if (!loggedIn) return skipRest('plan flow', 'login failed');
  const planOk = await check(`p1 "${PARENT_UNIT}" links to its plan, a table with a caption`, async () => {
    await page.goto(url('/org/units/CE'));
    await clickAndWait(page, page.getByRole('link', { name: /^Plan och uppföljning: VGPU/ }).first());
    await expectH1(page, `Plan och uppföljning: ${PARENT_UNIT}`);
    await page.goto(planUrl);
    await page.getByRole('table', { name: /^Plan: Centrum för ekonomi/ }).waitFor();
    await page.getByRole('columnheader', { name: 'Bedömning', exact: true }).waitFor();
  });
  if (planOk) await visited(page, 'plan');
  const created = await check(`p2 "Nytt objekt" creates the indicator "${title}"`, async () => {
    await page.goto(planUrl);
    await clickAndWait(page, page.getByRole('link', { name: 'Nytt objekt', exact: true }));
    await page.getByRole('radio', { name: /^Indikator/ }).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Fortsätt', exact: true }));
    await expectH1(page, 'Nytt objekt: Indikator');
    await visited(page, 'plan-new-indicator');
    await field(page, 'Titel').fill(title);
    await field(page, 'Måttenhet').fill('%');
    await field(page, 'Antal decimaler').fill('1');
    await page.getByRole('checkbox', { name: 'Tertial (D)' }).check();
    await field(page, 'Målvärde 1: Period').fill('2020-T1');
    await field(page, 'Målvärde 1: Värde').fill('abc');
    await clickAndWait(page, page.getByRole('button', { name: 'Skapa objekt', exact: true }));
    // A wrong value: the summary names the field and links to it; what was typed is kept.
    await page.getByRole('link', { name: /Målvärde 1: Värde/ }).waitFor();
    assert(await field(page, 'Titel').inputValue() === title, 'the title typed was not kept');
    await visited(page, 'plan-new-indicator-error');
    await field(page, 'Målvärde 1: Värde').fill('90');
    await clickAndWait(page, page.getByRole('button', { name: 'Skapa objekt', exact: true }));
    await page.getByText('Objektet är skapat.').waitFor();
    await page.getByRole('rowheader', { name: new RegExp(title) }).waitFor();
  });
  const reported = await check('p3 keyboard only: Tab to "Utfall", type 92,5, Enter saves the follow-up', async () => {
    assert(created, 'no indicator (p2 failed)');
    await clickAndWait(page, page.getByRole('link', { name: new RegExp(`^Följ upp\\s*:\\s*${title}$`) }));
    await expectH1(page, title);
    await visited(page, 'plan-follow-up');
    await page.locator('main').focus();
    let id = '';
    for (let i = 0; i < 40 && id !== 'f-outcome'; i++) {
      await page.keyboard.press('Tab');
      id = await page.evaluate(() => document.activeElement?.id ?? '');
    }
    assert(id === 'f-outcome', 'Tab never reached the field "Utfall"');
    await page.keyboard.type('92,5');
    await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press('Enter')]);
    await page.getByText('Uppföljningen är sparad.').waitFor();
  });
  await check('p4 the plan table shows the value and its assessment', async () => {
    assert(reported, 'nothing reported (p3 failed)');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: new RegExp(title) }) });
    await row.waitFor();
    const text = await row.innerText();
    assert(text.includes('92,5 %') && text.includes('90,0 %'), `row shows "${text.replace(/\s+/g, ' ')}"`);
    assert(text.includes('Grön: uppfyllt'), `row has no text label for the assessment: "${text.replace(/\s+/g, ' ')}"`);
  });
  if (reported) await visited(page, 'plan-after-report');
  await check('p5 the to-do list is in the main menu and says what is due', async () => {
    await page.getByRole('navigation', { name: 'Huvudmeny' }).getByRole('link', { name: 'Att göra' }).click();
    await page.getByRole('heading', { level: 1, name: 'Att göra' }).waitFor();
  });
  await visited(page, 'todo');
  await check('p6 an indicator is distributed to two centres through the form', async () => {
    await page.goto(url('/objects/i-prognos/follow-up?period=2020-T1'));
    await clickAndWait(page, page.getByRole('link', { name: /^Fördela/ }));
    await page.getByRole('checkbox', { name: 'Centrum för HR', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Centrum för kommunikation', exact: true }).check();
    await clickAndWait(page, page.getByRole('button', { name: 'Fördela', exact: true }));
    await page.getByText('Fördelningen är sparad.', { exact: false }).waitFor();
    const ticked = await page.getByText('har kopia', { exact: true }).count();
    assert(ticked === 2, `expected 2 units with a copy, saw ${ticked}`);
  });
  await visited(page, 'distribute');
  await check('p7 the economy chapter shows seed 004 section 5 with its totals and differences', async () => {
    await page.goto(url('/units/RK/budget?year=2020'));
    await page.getByRole('heading', { level: 1, name: /Ekonomiska förutsättningar 2020/ }).waitFor();
    const text = await page.locator('main').innerText();
    for (const want of ['221,0', '2 547,4', '423,8', 'Avvikelse 90,4']) {
      assert(text.replace(/\u00a0/g, ' ').includes(want), `the budget page lacks "${want}"`);
    }
  });
  await visited(page, 'budget');
  await check('p8 the model form edits the assessment scale and the deadlines', async () => {
    await page.goto(url('/modules/vgpu/model'));
    await page.getByRole('table', { name: 'Bedömningsskala' }).waitFor();
    await page.getByLabel('Sista dag, dagar efter periodens slut').waitFor();
  });
  await visited(page, 'model-form');
}

/** The budget: the edit form, a ledger import (a file with mistakes, then a clean one),
 * budget versus actual and the forecast form, each checked with axe. */
async function budgetFlow() {
  const { page } = await newContext();
  currentPage = page;
  const loggedIn = await check('b0 budget: log in', async () => {
    await page.goto(url('/login'));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  if (!loggedIn) return skipRest('budget flow', 'login failed');
  await check('b1 the budget edit form opens from the economy chapter', async () => {
    await page.goto(url('/units/RK/budget?year=2020'));
    await clickAndWait(page, page.getByRole('link', { name: /^Ändra budgeten/ }).first());
    await expectH1(page, 'Ändra budget 2020: Regionkontoret');
    await page.getByRole('button', { name: 'Spara budgeten', exact: true }).first().waitFor();
  });
  await visited(page, 'budget-edit');
  const csv = (body) => ({ name: 'huvudbok.csv', mimeType: 'text/csv', buffer: Buffer.from(body, 'utf8') });
  const header = 'Enhet;Konto;Månad;Belopp\n';
  await check('b2 a ledger file with mistakes is refused line by line, nothing saved', async () => {
    await page.goto(url('/budget/imports?year=2020'));
    await expectH1(page, 'Importera utfall och prognos');
    await page.setInputFiles('#i-file', csv(header + 'CE;4011;2020-09;-1 000,00\nCEX;4011;2020-09;-5,00\nCE;4011;2020-09;12 kr\n'));
    await clickAndWait(page, page.getByRole('button', { name: 'Kontrollera filen', exact: true }));
    await page.getByText('Filen kan inte importeras. Ingenting har sparats.', { exact: false }).waitFor();
    const problems = page.getByRole('table', { name: 'Rader som inte kan läsas in' });
    await problems.waitFor();
    const text = await problems.innerText();
    assert(text.includes('Enheten finns inte') && text.includes('Beloppet är inte ett tal'), `the report shows "${text.replace(/\s+/g, ' ')}"`);
  });
  await visited(page, 'budget-import-rejected');
  await check('b3 the corrected file is previewed, then imported all at once', async () => {
    await page.goto(url('/budget/imports?year=2020'));
    await page.setInputFiles('#i-file', csv(header + 'CE;4011;2020-09;-1 000,00\nCE;3411;2020-09;250,00\n'));
    await clickAndWait(page, page.getByRole('button', { name: 'Kontrollera filen', exact: true }));
    await page.getByText('Filen är kontrollerad och inget fel hittades.', { exact: false }).waitFor();
    await visited(page, 'budget-import-checked');
    await clickAndWait(page, page.getByRole('button', { name: 'Importera', exact: true }));
    await page.getByText('Importen är genomförd', { exact: false }).waitFor();
  });
  await check('b4 budget versus actual states its sign convention and shows the month', async () => {
    await page.goto(url('/units/RK/budget/outcome?year=2020'));
    const table = page.getByRole('table', { name: /^Budget, utfall och prognos per kostnads- och intäktsslag/ });
    await table.waitFor();
    await page.getByRole('columnheader', { name: 'Avvikelse (+ = bättre än budget)' }).first().waitFor();
    const month = await page.getByLabel('Månad', { exact: true }).inputValue();
    assert(month === '2020-09', `the view opens on the last month with actuals, not ${month}`);
  });
  await visited(page, 'budget-outcome');
  await check('b5 a full-year forecast is typed in and saved', async () => {
    await page.goto(url('/units/CE/budget/forecast?month=2020-09'));
    await expectH1(page, 'Helårsprognos: Centrum för ekonomi');
    await visited(page, 'budget-forecast');
    await page.getByLabel('Personalkostnader', { exact: true }).fill('−12 000,0');
    await clickAndWait(page, page.getByRole('button', { name: 'Spara prognos', exact: true }));
    await page.getByText('Prognosen är sparad.').waitFor();
  });
}

/** Reports: the förvaltningsplan of the demo is opened from its unit, a section is written,
 * the live parts show the budget, and the document downloads as PDF and Word. */
async function reportFlow() {
  const { page } = await newContext({ acceptDownloads: true });
  currentPage = page;
  const loggedIn = await check('r0 reports: log in', async () => {
    await page.goto(url('/login'));
    await login(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  if (!loggedIn) return skipRest('report flow', 'login failed');
  await check('r1 the unit page links to its reports, which list the förvaltningsplan', async () => {
    await page.goto(url('/org/units/RK'));
    await clickAndWait(page, page.getByRole('link', { name: 'Rapporter och dokument', exact: true }));
    await expectH1(page, 'Rapporter för Regionkontoret');
    await page.getByRole('table', { name: 'Enhetens rapporter' }).getByRole('link', { name: 'Förvaltningsplan 2020', exact: true }).waitFor();
  });
  await visited(page, 'reports');
  await check('r2 the report page shows instructions, texts and the live tables of section 5', async () => {
    await clickAndWait(page, page.getByRole('link', { name: 'Förvaltningsplan 2020', exact: true }));
    await expectH1(page, 'Förvaltningsplan 2020');
    await page.getByRole('heading', { name: '5.1.1 Fördelningen av ersättningen inom förvaltningen' }).waitFor();
    const table = page.getByRole('table', { name: /^5\.1\.1 / });
    const text = await table.innerText();
    assert(text.includes('Summa Regionkontoret') && text.includes('221,0'), `the distribution table shows "${text.replace(/\s+/g, ' ')}"`);
    await page.getByText('Beskriv förvaltningens grunduppdrag', { exact: false }).waitFor();
  });
  await visited(page, 'report');
  await check('r3 the text of a section is written and saved', async () => {
    const box = page.getByLabel('Text – 2 Planering och uppföljning i förvaltningen', { exact: true });
    await box.fill('Planen utgår från Regionplanen.\n\nEtt nytt stycke från e2e.');
    await clickAndWait(page, box.locator('xpath=ancestor::form').getByRole('button', { name: 'Spara texten' }));
    const saved = await page.getByLabel('Text – 2 Planering och uppföljning i förvaltningen', { exact: true }).inputValue();
    assert(saved.includes('Ett nytt stycke från e2e.'), `the saved text reads "${saved}"`);
  });
  await check('r4 the document downloads as PDF and as Word', async () => {
    for (const [name, file] of [['PDF', 'forvaltningsplan-RK-2020.pdf'], ['Word (DOCX)', 'forvaltningsplan-RK-2020.docx']]) {
      const [download] = await Promise.all([
        page.waitForEvent('download', { timeout: STEP_TIMEOUT_MS }),
        page.getByRole('link', { name, exact: true }).click(),
      ]);
      assert(download.suggestedFilename() === file, `downloaded "${download.suggestedFilename()}"`);
    }
  });
  await check('r5 the report is activated with a deadline, and a refused approval names what is missing', async () => {
    await page.getByLabel('Sista dag', { exact: true }).fill('2019-11-30');
    await clickAndWait(page, page.getByRole('button', { name: 'Aktivera rapporten', exact: true }));
    await page.getByText('Status: Aktiverad.', { exact: false }).waitFor();
    await page.getByText('Sista dag: 2019-11-30', { exact: false }).waitFor();
    await clickAndWait(page, page.getByRole('button', { name: 'Godkänn rapporten', exact: true }));
    await page.getByText('Inte klara: 7 Förvaltningsspecifika mål med indikatorer och målvärde', { exact: false }).waitFor();
  });
  await visited(page, 'report-active');
  await check('r6 the annual report is sent out to the units below, which then show in the overview', async () => {
    await page.goto(url('/units/RK/reports'));
    const form = page.locator('form[action="/units/RK/reports/distribution"]');
    await form.getByLabel('Mall', { exact: true }).selectOption('arsredovisning');
    await form.getByLabel('År', { exact: true }).fill('2020');
    await form.getByLabel('Sista dag', { exact: true }).fill('2021-02-15');
    await clickAndWait(page, form.getByRole('button', { name: 'Skicka ut', exact: true }));
    await page.getByText('skapade och aktiverade', { exact: false }).waitFor();
    const overview = await page.getByRole('table', { name: 'Rapporter från enheterna under, med hur långt de kommit' }).innerText();
    assert(overview.includes('Centrum för ekonomi') && overview.includes('Årsredovisning 2020'), `the overview reads "${overview.replace(/\s+/g, ' ')}"`);
  });
  await visited(page, 'reports-distributed');
  await check('r7 reminders are chosen on the settings page', async () => {
    await page.goto(url('/settings'));
    await page.getByLabel('Varje måndag', { exact: true }).check();
    await clickAndWait(page, page.locator('form[action="/settings/reminders"]').getByRole('button', { name: 'Spara', exact: true }));
    await page.getByText('Inställningarna är sparade.', { exact: false }).waitFor();
    assert(await page.getByLabel('Varje måndag', { exact: true }).isChecked(), 'weekly is chosen');
  });
  await visited(page, 'settings-reminders');
  await check('r8 the report templates are reached from Moduler, and a copy of the interim report is made', async () => {
    await page.goto(url('/modules'));
    await clickAndWait(page, page.getByRole('link', { name: 'Rapportmallar', exact: true }));
    await expectH1(page, 'Rapportmallar');
    await page.getByLabel('Kopiera från', { exact: true }).selectOption('delarsrapport');
    await page.getByLabel('Nyckel', { exact: true }).fill('delar-e2e');
    await page.getByLabel('Namn (svenska)', { exact: true }).fill('Delårsrapport e2e');
    await clickAndWait(page, page.getByRole('button', { name: 'Skapa mallen', exact: true }));
    await expectH1(page, 'Rapportmall: Delårsrapport e2e');
  });
  await visited(page, 'report-template');
  await check('r9 a chapter is added with a live part, and moves up past "Ekonomi"', async () => {
    const add = page.locator('form[action="/report-templates/delar-e2e/sections"]');
    await add.getByLabel('Placering', { exact: true }).selectOption({ label: 'Efter 3 Ekonomi' });
    await add.getByLabel('Rubrik (svenska)', { exact: true }).fill('Patientsäkerhet');
    await clickAndWait(page, add.getByRole('button', { name: 'Lägg till avsnittet', exact: true }));
    await expectH1(page, 'Avsnitt 4 Patientsäkerhet');
    await page.getByLabel('Lägg till en del', { exact: true }).selectOption({ label: 'Indikatorer med utfall, mål och trend (VGPU – Planering och uppföljning)' });
    await clickAndWait(page, page.getByRole('button', { name: 'Spara avsnittet', exact: true }));
    await page.getByText('Mallen är sparad.', { exact: false }).waitFor();
    await page.locator('fieldset li', { hasText: 'Indikatorer med utfall, mål och trend (VGPU – Planering och uppföljning)' }).waitFor();
    await clickAndWait(page, page.getByRole('link', { name: 'Tillbaka till mallen', exact: true }));
    await clickAndWait(page, page.getByRole('button', { name: 'Flytta upp – 4 Patientsäkerhet', exact: true }));
    const rows = await page.getByRole('table', { name: 'Mallens avsnitt i dokumentets ordning' }).innerText();
    assert(/3\s+Patientsäkerhet[\s\S]*4\s+Ekonomi/.test(rows), `the sections read "${rows.replace(/\s+/g, ' ')}"`);
  });
  await visited(page, 'report-template-edited');
  await page.goto(url('/report-templates/delar-e2e/sections/patientsakerhet'));
  await visited(page, 'report-template-section');
}

async function closeContexts() {
  for (const { ctx, profile } of contexts.splice(0)) {
    await ctx.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  }
}

function skipRest(flow, why) {
  fail(`${flow}: remaining checks skipped`, why);
}

// ---------------------------------------------------------------------------------------------

let code = 1;
try {
  await preflight();
  const main = await newContext();
  await mainFlow(main.page).catch((e) => fail('main flow aborted', e));
  // The main (JavaScript) context stays open: its second page runs axe for the no-JS pages.
  const axeVia = await main.ctx.newPage();
  await noJsFlow(axeVia).catch((e) => fail('no-JS flow aborted', e));
  await planFlow().catch((e) => fail('plan flow aborted', e));
  await budgetFlow().catch((e) => fail('budget flow aborted', e));
  await reportFlow().catch((e) => fail('report flow aborted', e));
} catch (e) {
  fail('e2e aborted', e);
} finally {
  await closeContexts();
  code = finish();
}
process.exit(code);
