// The admin page end to end, in headless Chromium (Debian's package, installed when missing),
// against the test API on the real stack: paste a token, list the organisation's schedules with
// status, next run and last result, trigger one, disable and enable it, edit its cron, open its
// history and stats. A screenshot is kept in .data/artifacts/admin.png (git-ignored).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/devstack/chromium';
import { projectPath } from '../../src/devstack/stack';
import type { OrgScheduleView } from '../../src/services/org-schedules';
import { startOrgStack, type OrgStack } from '../helpers/org-api';
import { uniqueName } from '../helpers/local-stack';

const PORT = 22180;

describe('admin page in headless Chromium', () => {
  let stack: OrgStack;
  let browser: Browser;
  let page: Page;
  const org = uniqueName('admin-org').replace(/_/g, '-');
  let schedule: OrgScheduleView;

  before(async () => {
    const executablePath = ensureChromium((line) => process.stderr.write(`# ${line}\n`));
    stack = await startOrgStack('adminpage');
    await stack.app.listen({ port: PORT, host: '127.0.0.1' });
    const res = await stack.app.inject({
      method: 'POST', url: `/api/orgs/${org}/schedules`, headers: { authorization: `Bearer ${await stack.tokenFor(org)}` },
      payload: { name: 'nightly export', cron: '0 3 * * *', timeZone: 'Europe/Paris', target: { type: 'log', message: 'export' } },
    });
    assert.equal(res.statusCode, 201, res.body);
    schedule = res.json<OrgScheduleView>();
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('dialog', (dialog) => { void dialog.accept('15 4 * * *'); });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('lists, triggers, disables, enables, edits the cron and shows history and stats', async () => {
    await page.goto(`http://127.0.0.1:${PORT}/admin`);
    await page.fill('#token', await stack.tokenFor(org));
    await page.fill('#org', org);
    await page.click('#load');
    const row = page.locator(`tr[data-id="${schedule.scheduleId}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /nightly export/);
    assert.equal((await row.locator('.status').innerText()).trim(), 'active');
    assert.match(await row.locator('.next').innerText(), /T03:00:00\+0[12]:00/);
    assert.match(await row.locator('.last').innerText(), /never ran/);
    // The job registry is on another branch: its 404 is shown, not an error.
    await page.locator('#jobs', { hasText: /not available|no registered jobs|Job/ }).waitFor();
    assert.match(await page.locator('#jobs').innerText(), /not available|no registered jobs|Job/);

    await row.locator('button[data-act="trigger"]').click();
    await page.locator('#message', { hasText: /triggered: org-/ }).waitFor();
    await row.locator('.last', { hasText: /completed/ }).waitFor({ timeout: 30_000 });

    await row.locator('button[data-act="pause"]').click();
    await row.locator('.status', { hasText: /^paused$/ }).waitFor();
    assert.equal((await stack.temporal.schedule.getHandle(schedule.temporalScheduleId).describe()).state.paused, true);
    await row.locator('button[data-act="unpause"]').click();
    await row.locator('.status', { hasText: /^active$/ }).waitFor();

    await row.locator('button[data-act="cron"]').click();
    await page.locator('#message', { hasText: /^cron updated$/ }).waitFor();
    await row.locator('code', { hasText: '15 4 * * *' }).waitFor();
    const after = await stack.app.inject({ method: 'GET', url: `/api/orgs/${org}/schedules/${schedule.scheduleId}`, headers: { authorization: `Bearer ${stack.adminToken}` } });
    assert.equal(after.json<OrgScheduleView>().cron, '15 4 * * *');

    await row.locator('button[data-act="history"]').click();
    await page.locator('#details').waitFor();
    assert.match(await page.locator('#stats').innerText(), /runs 1, succeeded 1, failed 0.*manual runs 1/);

    // Another organisation's token sees nothing of it.
    await page.fill('#token', await stack.tokenFor('someone-else'));
    await page.click('#load');
    await page.locator('#message', { hasText: /^404 / }).waitFor();
    assert.equal(await page.locator('#schedules tbody tr').count(), 0);

    const dir = projectPath(join('.data', 'artifacts'));
    mkdirSync(dir, { recursive: true });
    await page.fill('#token', await stack.tokenFor(org));
    await page.click('#load');
    await page.locator('#message', { hasText: /^loaded$/ }).waitFor();
    await row.locator('button[data-act="history"]').click();
    await page.locator('#details').waitFor();
    await page.screenshot({ path: join(dir, 'admin.png'), fullPage: true });
  });
});
