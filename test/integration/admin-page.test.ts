// The admin page end to end, in headless Chromium (Debian's package, installed when missing),
// against the test API on the real stack: paste a token, list the organisation's schedules with
// status, next run and last result, trigger one, disable and enable it, edit its cron, open its
// history and stats; then the same for a registered job (seed 002) whose endpoint is a real HTTP
// service started here, driven with an admin token (every job action names the organisation).
// Screenshots are kept in .data/artifacts/admin.png and admin-jobs.png (git-ignored).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/devstack/chromium';
import { projectPath } from '../../src/devstack/stack';
import { getModels } from '../../src/db/models';
import { httpJobReportName, httpJobScheduleId } from '../../src/domain/http-jobs';
import type { JobView } from '../../src/services/job-registry';
import type { OrgScheduleView } from '../../src/services/org-schedules';
import { startOrgStack, type OrgStack } from '../helpers/org-api';
import { uniqueName } from '../helpers/local-stack';

/** Ports of this helper's range: the API and the job's target service. */
const PORT = 28180;
const TARGET_PORT = 28181;

describe('admin page in headless Chromium', () => {
  let stack: OrgStack;
  let browser: Browser;
  let page: Page;
  const org = uniqueName('admin-org').replace(/_/g, '-');
  let schedule: OrgScheduleView;
  let target: Server;
  const targetCalls: string[] = [];
  /** What the page's prompt is answered with for a job's cron. */
  let jobCronAnswer = '';

  before(async () => {
    const executablePath = ensureChromium((line) => process.stderr.write(`# ${line}\n`));
    // The service the job calls: a valid JobResult for every run.
    target = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        targetCalls.push(request.url ?? '');
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ success: true, itemsProcessed: 3, itemsSucceeded: 3, itemsFailed: 0 }));
      });
    });
    await new Promise<void>((resolve, reject) => { target.once('error', reject); target.listen(TARGET_PORT, '127.0.0.1', resolve); });
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
    page.on('dialog', (dialog) => { void dialog.accept(dialog.message().includes('job') ? jobCronAnswer : '15 4 * * *'); });
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    if (target) await new Promise<void>((resolve) => { target.closeAllConnections(); target.close(() => resolve()); });
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

  it('manages a registered job with an admin token: status, next run, trigger, disable, enable, cron, history and stats', async () => {
    const name = 'nightly-report';
    const registered = await stack.app.inject({
      method: 'POST', url: '/api/jobs/register', headers: { authorization: `Bearer ${stack.adminToken}` },
      payload: { orgId: org, name, displayName: 'Nightly report', cronExpression: '0 9 * * 1-5', timezone: 'Europe/Paris', endpoint: `http://127.0.0.1:${TARGET_PORT}/report` },
    });
    assert.equal(registered.statusCode, 201, registered.body);
    const scheduleId = httpJobScheduleId(org, name);
    const paused = async () => (await stack.temporal.schedule.getHandle(scheduleId).describe()).state.paused;

    await page.fill('#token', stack.adminToken);
    await page.fill('#org', org);
    await page.click('#load');
    await page.locator('#message', { hasText: /^loaded$/ }).waitFor();
    const row = page.locator(`tr[data-job="${org}/${name}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Nightly report/);
    assert.match(await row.locator('td').nth(1).innerText(), /0 9 \* \* 1-5[\s\S]*09:00, Monday through Friday \(Europe\/Paris\)/);
    assert.equal((await row.locator('.status').innerText()).trim(), 'enabled');
    assert.match(await row.locator('.next').innerText(), /T09:00:00\+0[12]:00$/);
    assert.match(await row.locator('.last').innerText(), /never ran/);

    // Trigger: the target is called once and the row's last result becomes a success.
    await row.locator('button[data-act="trigger"]').click();
    await page.locator('#message', { hasText: /^triggered job nightly-report: / }).waitFor();
    await row.locator('.last', { hasText: /completed/ }).waitFor({ timeout: 30_000 });
    assert.match(await row.locator('.last').innerText(), /completed .*\(admin\)[\s\S]*items 3: 3 ok, 0 failed/);
    assert.deepEqual(targetCalls, ['/report']);

    // Disable and enable pause and unpause the Temporal Schedule.
    await row.locator('button[data-act="disable"]').click();
    await row.locator('.status', { hasText: /^disabled$/ }).waitFor();
    assert.equal((await row.locator('.next').innerText()).trim(), 'disabled');
    assert.equal(await paused(), true);
    await row.locator('button[data-act="enable"]').click();
    await row.locator('.status', { hasText: /^enabled$/ }).waitFor();
    assert.equal(await paused(), false);

    // A bad cron is refused with the API's error naming the field; a good one is applied.
    jobCronAnswer = '61 * * * *';
    await row.locator('button[data-act="cron"]').click();
    await page.locator('#message.error', { hasText: /^400 .*cronExpression/ }).waitFor();
    jobCronAnswer = '30 7 * * *';
    await row.locator('button[data-act="cron"]').click();
    await page.locator('#message', { hasText: /^cron of job nightly-report updated$/ }).waitFor();
    await row.locator('code', { hasText: '30 7 * * *' }).waitFor();
    assert.match(await row.locator('.next').innerText(), /T07:30:00\+0[12]:00$/);
    const job = (await stack.app.inject({ method: 'GET', url: `/api/jobs/${name}?orgId=${org}`, headers: { authorization: `Bearer ${stack.adminToken}` } })).json<JobView>();
    assert.equal(job.cronExpression, '30 7 * * *');
    assert.equal(job.lastRun?.status, 'completed');

    await row.locator('button[data-act="stats"]').click();
    await page.locator('#job-stats', { hasText: /^runs 1, succeeded 1, failed 0, success rate 100%.*items 3 \(3 ok, 0 failed\)/ }).waitFor();
    assert.equal(await page.locator('#job-history-box').isHidden(), true);

    await row.locator('button[data-act="history"]').click();
    await page.locator('#job-details-title', { hasText: /^History of job nightly-report \(1 runs/ }).waitFor();
    assert.match(await page.locator('#job-history tbody').innerText(), /admin\s+completed\s+\d+ ms\s+3 \(3 \/ 0\)/);
    assert.equal(await page.locator('#job-next').isDisabled(), true);

    // Paging: ten older runs in the history make two pages of ten.
    const { RunReport } = getModels(stack.db);
    const startedAt = new Date(Date.now() - 86_400_000);
    await RunReport.insertMany(Array.from({ length: 10 }, (_, i) => ({
      key: `older-${i}`, job: httpJobReportName(org, name), workflowId: `older-${i}`, runId: `run-${i}`, status: i === 0 ? 'failed' : 'completed',
      startedAt: new Date(startedAt.getTime() - i * 60_000), finishedAt: startedAt, durationMs: 5, itemsProcessed: 0, itemsSucceeded: 0, itemsFailed: 0,
      orgId: org, triggeredBy: 'scheduler', ...(i === 0 && { error: 'target answered 500' }),
    })));
    await row.locator('button[data-act="history"]').click();
    await page.locator('#job-page', { hasText: /^page 1 of 2$/ }).waitFor();
    assert.equal(await page.locator('#job-history tbody tr').count(), 10);
    await page.click('#job-next');
    await page.locator('#job-page', { hasText: /^page 2 of 2$/ }).waitFor();
    assert.equal(await page.locator('#job-history tbody tr').count(), 1);
    assert.equal(await page.locator('#job-next').isDisabled(), true);
    await page.click('#job-prev');
    await page.locator('#job-page', { hasText: /^page 1 of 2$/ }).waitFor();

    const dir = projectPath(join('.data', 'artifacts'));
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'admin-jobs.png'), fullPage: true });
  });
});
