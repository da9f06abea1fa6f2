/**
 * Merchant authorization as deployed (committed dev stack): the REQUEST authorizer on the payment
 * methods of each region's API, its invoke permission, the merchant-credentials global table laid
 * out exactly like the payments table, and who may read it.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadStackSettings } from '../settings';
import { MOCK_ACCOUNT_ID as A, ofType, one, runProgram, type ProgramRun } from '../testing/harness';

const s = loadStackSettings('dev');
const S = s.environmentSuffix;
const regions = [s.primaryRegion, s.drRegion];

describe('merchant authorization (stack dev)', () => {
  let run: ProgramRun;
  const table = (name: string) => one(run, 'aws:dynamodb/table:Table', (r) => r.inputs.name === name);
  before(async () => {
    run = await runProgram({ stack: 'dev' });
  });

  for (const region of regions) {
    it(`${region}: a REQUEST authorizer on the Authorization header, results cached 60 s`, () => {
      const api = one(run, 'aws:apigateway/restApi:RestApi', (r) => r.inputs.name === `payments-api-${S}-${region}`);
      const authorizer = one(run, 'aws:apigateway/authorizer:Authorizer', (r) => r.inputs.region === region);
      assert.deepEqual(authorizer.inputs, {
        region,
        restApi: api.id,
        name: `merchant-authorizer-${S}-${region}`,
        type: 'REQUEST',
        authorizerUri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${A}:function:authorizer-${S}-${region}/invocations`,
        identitySource: 'method.request.header.Authorization',
        // A revoked credential keeps working at most this long per region (AWS maximum 3600).
        authorizerResultTtlInSeconds: 60,
      });
    });

    it(`${region}: only this API's authorizer may invoke the authorizer function`, () => {
      const api = one(run, 'aws:apigateway/restApi:RestApi', (r) => r.inputs.name === `payments-api-${S}-${region}`);
      const authorizer = one(run, 'aws:apigateway/authorizer:Authorizer', (r) => r.inputs.region === region);
      const permission = one(run, 'aws:lambda/permission:Permission', (r) => r.inputs.function === `authorizer-${S}-${region}`);
      assert.deepEqual(permission.inputs, {
        region,
        action: 'lambda:InvokeFunction',
        function: `authorizer-${S}-${region}`,
        principal: 'apigateway.amazonaws.com',
        sourceArn: `${api.state.executionArn}/authorizers/${authorizer.id}`,
      });
    });

    it(`${region}: payment methods require the authorizer; /health stays open for Route 53`, () => {
      const authorizer = one(run, 'aws:apigateway/authorizer:Authorizer', (r) => r.inputs.region === region);
      const methods = ofType(run, 'aws:apigateway/method:Method').filter((m) => m.inputs.region === region);
      const byMethod = methods.map((m) => [m.inputs.httpMethod, m.inputs.authorization, m.inputs.authorizerId ?? null]).sort();
      assert.deepEqual(byMethod, [
        ['GET', 'CUSTOM', authorizer.id],
        ['GET', 'NONE', null],
        ['POST', 'CUSTOM', authorizer.id],
      ]);
    });
  }

  it('keeps credentials in a global table with the payments table\'s replicas, mode, PITR and on-demand billing', () => {
    const payments = table(`payments-table-${S}`);
    const credentials = table(`merchant-credentials-${S}`);
    assert.equal(credentials.inputs.region, payments.inputs.region);
    assert.equal(credentials.inputs.billingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(credentials.inputs.pointInTimeRecovery, { enabled: true });
    assert.deepEqual(credentials.inputs.serverSideEncryption, { enabled: true });
    assert.deepEqual([credentials.inputs.hashKey, credentials.inputs.attributes], ['pk', [{ name: 'pk', type: 'S' }]]);
    const layout = (t: typeof payments) => t.inputs.replicas.map((r: Record<string, unknown>) => [r.regionName, r.consistencyMode, r.pointInTimeRecovery]);
    assert.deepEqual(layout(credentials), layout(payments));
    assert.deepEqual(credentials.inputs.globalTableWitness, payments.inputs.globalTableWitness);
    assert.equal(credentials.inputs.deletionProtectionEnabled, false);
  });

  it('lets only the authorizers read the credentials table, each in its own region', () => {
    const readers = ofType(run, 'aws:iam/rolePolicy:RolePolicy').filter((p) => String(p.inputs.policy).includes(`table/merchant-credentials-${S}`));
    assert.deepEqual(readers.map((p) => p.inputs.name).sort(), regions.map((r) => `authorizer-${S}-${r}-policy`).sort());
    for (const region of regions) {
      const statement = JSON.parse(one(run, 'aws:iam/rolePolicy:RolePolicy', (p) => p.inputs.name === `authorizer-${S}-${region}-policy`).inputs.policy).Statement.find(
        (st: { Sid: string }) => st.Sid === 'ReadMerchantCredentials',
      );
      assert.deepEqual(statement, { Sid: 'ReadMerchantCredentials', Effect: 'Allow', Action: ['dynamodb:GetItem'], Resource: `arn:aws:dynamodb:${region}:${A}:table/merchant-credentials-${S}` });
    }
  });

  it('exports no shared client key', () => {
    assert.equal(run.outputs.clientApiKey, undefined);
    assert.equal(ofType(run, 'aws:apigateway/apiKey:ApiKey').length, 0);
  });
});
