/**
 * One fault model for the local engines' fronts (the DynamoDB front, `dynamoFrontend.ts`, and the S3
 * front, `s3Front.ts`): the faults a real engine cannot produce by itself, answered in the service's
 * own wire form so the real SDK parses, retries and surfaces them exactly as it would against AWS.
 *
 *  - `throttle`: DynamoDB answers HTTP 400 `ProvisionedThroughputExceededException` to a data-plane
 *    request (GetItem, PutItem, Query, ...: "The request was denied due to request throttling ... The
 *    AWS SDKs for DynamoDB automatically retry requests that receive this exception", API reference,
 *    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html#API_PutItem_Errors)
 *    and `ThrottlingException` ("Rate of requests exceeds the allowed throughput") to the table
 *    operations the DynamoDB error table says return it when performed too rapidly: CreateTable,
 *    UpdateTable, DeleteTable ("Error handling with DynamoDB", Error messages and codes,
 *    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html#Programming.Errors.MessagesAndCodes);
 *    S3 answers HTTP 503 `SlowDown` ("Please reduce your request rate",
 *    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html).
 *  - `status`: an HTTP error status with the service's error body (default: DynamoDB 500
 *    `InternalServerError` / S3 500 `InternalError`), or the given body.
 *  - `hang`: the request is never answered (the client's own timeout decides).
 *  - `lose-response`: the request reaches the engine (a write is applied) but the answer is lost and
 *    replaced by a 500, `times` times: the "did my write happen?" case.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type Fault =
  | { kind: 'none' }
  | { kind: 'throttle' }
  | { kind: 'status'; status: number; body?: string }
  | { kind: 'hang' }
  /** Applies the request, then answers 500 instead of the engine's answer, `times` times. */
  | { kind: 'lose-response'; times: number };

/** What a fault matcher sees of a request. */
export interface FaultRequest {
  readonly headers: IncomingHttpHeaders;
  /** The HTTP method (the S3 front's requests carry it; DynamoDB's are all POST). */
  readonly method?: string;
}

const NONE: Fault = { kind: 'none' };

/** The fault switch of one front: the active fault, which requests it applies to, and a request count. */
export class FaultSwitch {
  /** The active fault (default none). */
  fault: Fault = NONE;
  /** Only matching requests are faulted (default: all); gets the request and its full body. */
  match: (req: FaultRequest, body: string) => boolean = () => true;
  private seen = 0;

  /** Requests the front received (faulted or not; the front's own engine reads are not counted). */
  requests(): number {
    return this.seen;
  }

  /** Counts one request and returns the fault to apply to it (`none` when it does not match). */
  take(req: FaultRequest, body: string): Fault {
    this.seen += 1;
    // The matcher sees every request (tests use it to observe them), faulted or not.
    if (!this.match(req, body)) return NONE;
    const fault = this.fault;
    if (fault.kind === 'none') return NONE;
    if (fault.kind === 'lose-response' && --fault.times <= 0) this.fault = NONE;
    return fault;
  }

  /** Clears the fault and the matcher (the request count keeps running). */
  reset(): void {
    this.fault = NONE;
    this.match = () => true;
  }
}

/** The table operations DynamoDB throttles with `ThrottlingException` (the error table names these three). */
const DYNAMODB_TABLE_OPERATIONS = new Set(['CreateTable', 'UpdateTable', 'DeleteTable']);

/** The error a throttled DynamoDB operation gets: its exception name, HTTP status and message. */
export function dynamodbThrottle(operation: string): { status: number; type: string; message: string } {
  return DYNAMODB_TABLE_OPERATIONS.has(operation)
    ? { status: 400, type: 'ThrottlingException', message: 'Rate of requests exceeds the allowed throughput.' }
    : {
        status: 400,
        type: 'ProvisionedThroughputExceededException',
        message: 'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      };
}

/** The S3 error document (`<Error><Code>..`) a fault answers with. */
export function s3ErrorBody(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}
