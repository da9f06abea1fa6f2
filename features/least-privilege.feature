@configuration @least-privilege
Feature: Each payment function may do its job and nothing more
  As a compliance officer
  I want each function's role to allow exactly what the function uses in its own region
  So that a compromised or faulty function cannot destroy data or reach the other region

  @control-SEC-03
  Scenario Outline: The <function> function may do what it needs
    Given the "<function>" function in each region
    When IAM evaluates what its role may do
    Then it is allowed everything the function uses

    Examples:
      | function       |
      | createPayment  |
      | getPayment     |
      | health         |
      | retryProcessor |

  @control-SEC-03
  Scenario Outline: The <function> function may not do what it must never do
    Given the "<function>" function in each region
    When IAM evaluates what its role may do
    Then it is denied everything on the forbidden list

    Examples:
      | function       |
      | createPayment  |
      | getPayment     |
      | health         |
      | retryProcessor |
