/**
 * The live drill uses the runbook's control: the failover switch in the DR region (a CloudWatch
 * metric there), never the primary region or a Route 53 control-plane call; and a stack that
 * publishes no failover hostname says why it cannot be drilled.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openTarget, OUTPUTS_WITH_FAILOVER_SWITCH as OUTPUTS, recordingClients } from './liveTargetFixture';

describe('live target: the drill uses the failover switch in the DR region', () => {
  it('publishes 1 to the switch in us-east-2 and 0 to restore, touching nothing in the primary region', async () => {
    const { clients, calls } = recordingClients({ cloudwatch: { PutMetricDataCommand: () => ({}) } });
    const target = await openTarget(clients, OUTPUTS);
    const restore = await target.makeUnhealthy('us-east-1');
    await restore.restore();
    assert.deepEqual(
      calls.map((c) => [c.service, c.region, c.command, (c.input.MetricData as Array<{ Value: number }>)?.[0]?.Value]),
      [
        ['cloudwatch', 'us-east-2', 'PutMetricDataCommand', 1],
        ['cloudwatch', 'us-east-2', 'PutMetricDataCommand', 0],
      ],
    );
    assert.deepEqual(calls[0].input.MetricData, [{ MetricName: 'FailoverToSecondary', Dimensions: [{ Name: 'Stack', Value: 'dev' }], Value: 1 }]);
    assert.equal(calls[0].input.Namespace, 'PaymentsDR/Failover');
  });

  it('says there is nothing to drill when the stack publishes no failover hostname', async () => {
    const { failoverApiUrl: _none, ...withoutFailover } = OUTPUTS;
    const { clients, calls } = recordingClients({ cloudwatch: { PutMetricDataCommand: () => ({}) } });
    const target = await openTarget(clients, withoutFailover);
    await assert.rejects(target.makeUnhealthy('us-east-1'), /publishes no failover hostname \(customDomainsEnabled is false\)/);
    await assert.rejects(target.observeFailover(), /no failover to drill/);
    assert.deepEqual(calls, [], 'nothing was changed');
  });
});
