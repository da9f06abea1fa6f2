@configuration @alarms
Feature: Alarms page the on-call before customers notice
  As the SRE on call for the payment API
  I want every failure mode of the DR path to raise an alarm in the region where it happens
  So that a silent degradation never turns into a lost payment or a missed RTO

  @control-DR-06 @control-OPS-01
  Scenario: Replication falling behind by more than 30 seconds raises an alarm in each region
    When the alarms of each region are listed
    Then each region has the "replication latency" alarm
    And each of those alarms notifies the on-call

  @control-OPS-01
  Scenario: Failing payment functions raise an alarm in each region
    When the alarms of each region are listed
    Then each region has the "function errors" alarm
    And each of those alarms notifies the on-call

  @control-OPS-01
  Scenario: Throttled payment functions raise an alarm in each region
    When the alarms of each region are listed
    Then each region has the "function throttles" alarm
    And each of those alarms notifies the on-call

  @control-OPS-01
  Scenario: Server errors of the payment API raise an alarm in each region
    When the alarms of each region are listed
    Then each region has the "API server errors" alarm
    And each of those alarms notifies the on-call

  @control-OPS-01 @control-OPS-02
  Scenario: A payment parked in a dead-letter queue raises an alarm in each region
    When the alarms of each region are listed
    Then each region has the "dead-letter queue depth" alarm
    And each of those alarms notifies the on-call

  @control-OPS-01 @control-DR-03
  Scenario: An unhealthy region raises an alarm, the primary and the DR region alike
    When the alarms of each region are listed
    Then each region has the "health check" alarm
    And each of those alarms notifies the on-call
