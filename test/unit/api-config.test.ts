// Configuration of the HTTP API and of the services owning registered jobs, and the pure rules of
// registered jobs (ids, service names).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config';
import { httpJobKey, httpJobScheduleId, serviceKeyOf } from '../../src/domain/http-jobs';
import { resolveJobUrl } from '../../src/activities/http-jobs';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('API configuration', () => {
  it('has defaults: 127.0.0.1:3000, 1 MB bodies, no service URLs', () => {
    const config = loadConfig({});
    assert.deepEqual(config.api, { host: '127.0.0.1', port: 3000, bodyLimitBytes: 1_048_576 });
    assert.deepEqual(config.services, {});
  });

  it('reads the port, host, body limit and service URLs', () => {
    const config = loadConfig({ API_PORT: '8080', API_HOST: '0.0.0.0', API_BODY_LIMIT_BYTES: '2048', EMAIL_SERVICE_URL: 'http://mail:7006', NOTIFICATION_SERVICE_URL: 'https://notify.example' });
    assert.deepEqual(config.api, { host: '0.0.0.0', port: 8080, bodyLimitBytes: 2048 });
    assert.deepEqual(config.services, { email: 'http://mail:7006', notification: 'https://notify.example' });
  });

  it('refuses out-of-bounds values, naming the variable', () => {
    assert.deepEqual(problemsOf({ API_PORT: '0' }), ['API_PORT="0" is not allowed: expected a whole number from 1 to 65535']);
    assert.deepEqual(problemsOf({ API_PORT: '70000' }), ['API_PORT="70000" is not allowed: expected a whole number from 1 to 65535']);
    assert.deepEqual(problemsOf({ API_BODY_LIMIT_BYTES: '10' }), ['API_BODY_LIMIT_BYTES="10" is not allowed: expected a whole number from 1024 to 104857600']);
    assert.deepEqual(problemsOf({ CRAWLER_SERVICE_URL: 'ftp://crawler' }), ['CRAWLER_SERVICE_URL="ftp://crawler" is not allowed: expected a URL starting with http:// or https://']);
    assert.deepEqual(problemsOf({ ANALYTICS_SERVICE_URL: 'not a url' }), ['ANALYTICS_SERVICE_URL="not a url" is not allowed: expected a URL starting with http:// or https://']);
  });
});

describe('registered job rules', () => {
  it('derives unambiguous ids from organisation and name', () => {
    assert.equal(httpJobKey('acme', 'weekly-digest'), 'acme/weekly-digest');
    assert.equal(httpJobScheduleId('acme', 'weekly-digest'), 'job-acme.weekly-digest');
    // A "-" in either part cannot make two jobs share a Schedule: "." never occurs in an org id.
    assert.notEqual(httpJobScheduleId('a-b', 'c'), httpJobScheduleId('a', 'b-c'));
  });

  it('resolves an endpoint against the owning service\'s URL', () => {
    const config = loadConfig({ EMAIL_SERVICE_URL: 'http://mail:7006/base' });
    assert.equal(serviceKeyOf('email-service'), 'email');
    assert.equal(serviceKeyOf('EMAIL'), 'email');
    assert.equal(serviceKeyOf('billing-service'), undefined);
    assert.deepEqual(resolveJobUrl(config, { service: 'email-service', endpoint: '/api/jobs/weekly-digest' }), { url: 'http://mail:7006/api/jobs/weekly-digest' });
    assert.deepEqual(resolveJobUrl(config, { service: 'email-service', endpoint: 'jobs/digest' }), { url: 'http://mail:7006/base/jobs/digest' });
    assert.deepEqual(resolveJobUrl(config, { endpoint: 'https://elsewhere.example/run' }), { url: 'https://elsewhere.example/run' });
    assert.deepEqual(resolveJobUrl(config, { service: 'crawler-service', endpoint: '/x' }), { problem: 'service "crawler-service" has no URL: set CRAWLER_SERVICE_URL' });
  });
});
