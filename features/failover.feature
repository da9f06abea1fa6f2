@runtime @drill
Feature: Failover drill: the DR region takes over payments when the primary fails
  As the SRE accountable for a 15-minute RTO and a 5-minute RPO
  I want to rehearse the loss of the primary region and measure the recovery
  So that we know, not hope, that payments keep flowing and none are lost

  Drills change the stack: on a live stack they run only when asked for, each step is bounded
  by the stack's budget, and the primary is restored after the scenario whatever happened.

  @control-DR-03 @control-DR-04
  Scenario: The DR region serves payments within the RTO when the primary becomes unhealthy
    Given the failover endpoint serves payments from the primary region
    When the primary region becomes unhealthy
    Then the failover endpoint serves payments from the DR region within the RTO
    And the payments accepted before the failure are present in the DR region
    And the failover endpoint fails back to the primary region once it is healthy again
