import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { METRICS_NAMESPACE, SERVICE_NAME, tracer } from './powertools';

describe('Powertools singletons', () => {
  it('the tracer is off outside Lambda and leaves clients untouched', () => {
    // Prepare
    const client = new DynamoDBClient({ region: 'us-east-1' });
    const before = client.middlewareStack.identify().length;
    // Act
    const captured = tracer.captureAWSv3Client(client);
    // Assess
    assert.equal(tracer.isTracingEnabled(), false);
    assert.equal(captured, client);
    assert.equal(client.middlewareStack.identify().length, before);
    client.destroy();
  });

  it('uses the contract service name and metrics namespace', () => {
    assert.equal(SERVICE_NAME, 'payments');
    assert.equal(METRICS_NAMESPACE, 'PaymentsDR');
  });
});
