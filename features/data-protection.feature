@configuration @data-protection
Feature: Payment data is protected at rest and recoverable in both regions
  As a compliance officer
  I want the payments table, the transaction logs and the queues protected the same way in both regions
  So that no payment record can be lost, read by outsiders or left unrecoverable

  @control-CAP-01
  Scenario: The payments table scales on demand in both regions
    Given the payments table
    When its configuration is read in each region
    Then it is billed on demand in both regions

  @control-DR-02
  Scenario: The payments table can be restored to any second of its recovery window in both regions
    Given the payments table
    When its configuration is read in each region
    Then point-in-time recovery is on in both regions

  @control-DR-02 @control-SEC-01 @control-SEC-04 @control-DR-01
  Scenario: Transaction logs are versioned, encrypted, private and replicated in both regions
    Given the transaction-log buckets
    When their configuration is read in each region
    Then each bucket is versioned, encrypted and closed to the public
    And each bucket replicates to the bucket of the other region

  @control-SEC-01 @control-OPS-02
  Scenario: Payments waiting for a retry are encrypted at rest and never dropped, in both regions
    Given the retry and dead-letter queues
    When their configuration is read in each region
    Then every queue is encrypted at rest
    And every retry queue hands what it cannot deliver to a dead-letter queue
