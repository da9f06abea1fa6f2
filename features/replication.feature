@runtime @replication
Feature: Payments and transaction logs replicate between the regions
  As the SRE on call for the payment API
  I want every accepted payment and its transaction log copied to the other region within seconds
  So that losing a region loses no payments, and failing back keeps every record

  @control-DR-01
  Scenario: A payment accepted in the primary region reaches the DR region within 30 seconds
    When a payment is accepted through the primary region's API
    Then the payment is readable in the DR region's table within 30 seconds
    And the measured replication lag is attached as evidence

  @control-DR-01
  Scenario: A payment accepted in the DR region reaches the primary region within 30 seconds, for failback
    When a payment is accepted through the DR region's API
    Then the payment is readable in the primary region's table within 30 seconds
    And the measured replication lag is attached as evidence

  @control-DR-01 @transaction-log
  Scenario: A transaction log written in the primary region is copied to the DR region
    Given the transaction-log buckets of both regions
    When a transaction-log object is written to the primary region's bucket
    Then the same object can be read from the DR region's bucket within 15 minutes
