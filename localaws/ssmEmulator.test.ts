/**
 * The SSM emulator through the real AWS SDK v3 client: parameters with versions, overwrite
 * protection and paths; injected delays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmEmulator } from './ssmEmulator';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('SSM emulator', () => {
  let ssm: SsmEmulator;
  let client: SSMClient;

  before(async () => {
    ssm = new SsmEmulator('us-east-2');
    client = new SSMClient({ region: 'us-east-2', endpoint: await ssm.start(), credentials, maxAttempts: 1 });
  });

  after(async () => {
    client.destroy();
    await ssm.stop();
  });

  it('stores versions, refuses an overwrite unless asked, and answers ParameterNotFound', async () => {
    await assert.rejects(client.send(new GetParameterCommand({ Name: '/app/x/manual-failover' })), (err: Error) => err.name === 'ParameterNotFound');
    assert.equal((await client.send(new PutParameterCommand({ Name: '/app/x/manual-failover', Value: 'false', Type: 'String' }))).Version, 1);
    await assert.rejects(
      client.send(new PutParameterCommand({ Name: '/app/x/manual-failover', Value: 'true', Type: 'String' })),
      (err: Error) => err.name === 'ParameterAlreadyExists',
    );
    assert.equal((await client.send(new PutParameterCommand({ Name: '/app/x/manual-failover', Value: 'true', Overwrite: true }))).Version, 2);
    const got = await client.send(new GetParameterCommand({ Name: '/app/x/manual-failover' }));
    assert.equal(got.Parameter?.Value, 'true');
    assert.equal(got.Parameter?.Version, 2);
    assert.ok(got.Parameter?.LastModifiedDate instanceof Date);
    assert.equal(got.Parameter?.ARN, 'arn:aws:ssm:us-east-2:000000000000:parameter/app/x/manual-failover');
  });

  it('lists a path one level deep or recursively, page by page', async () => {
    ssm.put('/app/y/a', '1');
    ssm.put('/app/y/b', '2');
    ssm.put('/app/y/deep/c', '3');
    const shallow = await client.send(new GetParametersByPathCommand({ Path: '/app/y/' }));
    assert.deepEqual(shallow.Parameters?.map((p) => p.Name), ['/app/y/a', '/app/y/b']);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(new GetParametersByPathCommand({ Path: '/app/y', Recursive: true, MaxResults: 2, NextToken: token }));
      names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
      token = page.NextToken;
    } while (token);
    assert.deepEqual(names, ['/app/y/a', '/app/y/b', '/app/y/deep/c']);
  });

  it('answers an operation late by the injected delay and counts its calls', async () => {
    ssm.put('/app/z/flag', 'false');
    const calls = ssm.faults.calls('GetParameter');
    ssm.faults.delay('GetParameter', 300);
    const started = Date.now();
    await client.send(new GetParameterCommand({ Name: '/app/z/flag' }));
    // A lower bound only (never an upper one): the answer cannot come before the injected delay.
    assert.ok(Date.now() - started >= 290, `answered after ${Date.now() - started} ms`);
    assert.equal(ssm.faults.calls('GetParameter') - calls, 1);
    ssm.faults.reset();
  });
});
