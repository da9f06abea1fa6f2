/**
 * The S3 front in front of s3rver: the fault switch (`faults.ts`) and emulated S3 conditional
 * writes and deletes, which s3rver lacks.
 *
 * Conditional requests: s3rver ignores `If-None-Match` and
 * `If-Match` on PutObject and DeleteObject (s3rver 3.7 honours them on GET/HEAD only). Amazon S3
 * documents the behaviour this reproduces:
 * - "How to prevent object overwrites with conditional writes",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html: a PUT with
 *   `If-None-Match: *` writes only if the key does not exist, else `412 PreconditionFailed`; a PUT
 *   with `If-Match: <ETag>` writes only if the current object's ETag is that one, else 412, and
 *   `404 NoSuchKey` when there is no current object.
 * - "How to perform conditional deletes",
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html: a DELETE with
 *   `If-Match: <ETag>` deletes only if the current version has that ETag, else 412; 404 when there
 *   is no current object.
 *
 * Atomicity: conditional requests on one key are serialised here (check, then act), so two
 * concurrent conditional writers of the same key get one success and one 412, as in S3. (S3 may
 * also answer 409 ConditionalRequestConflict to a concurrent writer; the client code treats 409
 * like 412.) Everything else is forwarded untouched. Used by the handler tests and the sandbox.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { FaultSwitch, s3ErrorBody } from './faults';
import { closeServer, listen, LOOPBACK } from './http';

export interface S3Front {
  readonly endpoint: string;
  readonly server: Server;
  /** Injected faults (throttle: 503 SlowDown; status; hang; lost response) and the request count. */
  readonly faults: FaultSwitch;
  /** Conditional requests refused with 412 so far. */
  readonly preconditionFailures: () => number;
  close(): Promise<void>;
}

function forward(upstream: URL, req: IncomingMessage, body: Buffer, res: ServerResponse): void {
  const headers = req.headers;
  const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, up.headers);
    up.pipe(res);
  });
  out.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  out.end(body);
}

/**
 * The current object's ETag (quotes included, as S3 sends it), or undefined when there is none (404).
 * Any other answer rejects: an engine error must not pass for "absent" and let a conditional write through.
 */
function currentEtag(upstream: URL, req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    // An anonymous HEAD (s3rver serves unsigned requests): the PUT's signature would not verify for it.
    const head = request({ host: upstream.hostname, port: upstream.port, method: 'HEAD', path: (req.url ?? '/').split('?')[0], headers: { host: req.headers.host ?? upstream.host } }, (up) => {
      up.resume();
      up.on('end', () => {
        if (up.statusCode === 200) resolve(String(up.headers.etag ?? ''));
        else if (up.statusCode === 404) resolve(undefined);
        else reject(new Error(`HEAD answered ${up.statusCode}`));
      });
    });
    head.on('error', reject);
    head.end();
  });
}

function reply(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(body);
}

function unquote(etag: string): string {
  return etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** Starts the front on 127.0.0.1 (`port`, default OS-assigned) before the s3rver at `target`. */
export async function startS3Front(target: string, port = 0): Promise<S3Front> {
  const upstream = new URL(target);
  const locks = new Map<string, Promise<void>>();
  const faults = new FaultSwitch();
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fault = faults.take(req, body.toString('utf8'));
      switch (fault.kind) {
        case 'throttle':
          reply(res, 503, s3ErrorBody('SlowDown', 'Please reduce your request rate.'));
          return;
        case 'status':
          reply(res, fault.status, fault.body ?? s3ErrorBody('InternalError', 'injected fault'));
          return;
        case 'hang':
          return; // never answered; close() drops the connection
        case 'lose-response':
        case 'none':
          break;
      }
      // A lost response: S3 handled the request (conditions included), then the client saw a 500.
      const lose = fault.kind === 'lose-response';
      const lost = () => reply(res, 500, s3ErrorBody('InternalError', 'response lost after the request was handled'));
      const ifNoneMatch = req.headers['if-none-match'];
      const ifMatch = req.headers['if-match'];
      const conditional =
        ((req.method === 'PUT' && (ifNoneMatch === '*' || ifMatch !== undefined)) || (req.method === 'DELETE' && ifMatch !== undefined)) && !req.headers['x-amz-copy-source'];
      if (!conditional) {
        if (!lose) {
          forward(upstream, req, body, res);
          return;
        }
        const sink = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
          up.resume();
          up.on('end', lost);
        });
        sink.on('error', () => res.destroy());
        sink.end(body);
        return;
      }
      const key = (req.url ?? '').split('?')[0] ?? '';
      const previous = locks.get(key) ?? Promise.resolve();
      const run = previous.then(async () => {
        const etag = await currentEtag(upstream, req);
        const missing = ifMatch !== undefined && etag === undefined;
        const failed = !missing && (ifMatch !== undefined ? unquote(ifMatch) !== unquote(etag ?? '') : etag !== undefined);
        if (lose && (missing || failed)) {
          if (failed) refused++;
          lost();
          return;
        }
        if (missing) {
          res.writeHead(404, { 'Content-Type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
          return;
        }
        if (failed) {
          refused++;
          res.writeHead(412, { 'Content-Type': 'application/xml' });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>${ifMatch !== undefined ? 'If-Match' : 'If-None-Match'}</Condition></Error>`,
          );
          return;
        }
        // Forwarded as signed (s3rver ignores the condition; removing the header would break the signature).
        if (lose) {
          await new Promise<void>((resolve) => {
            const sink = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
              up.resume();
              up.on('end', () => {
                lost();
                resolve();
              });
            });
            sink.on('error', () => {
              res.destroy();
              resolve();
            });
            sink.end(body);
          });
          return;
        }
        await new Promise<void>((resolve) => {
          res.on('finish', resolve);
          res.on('close', resolve);
          forward(upstream, req, body, res);
        });
      });
      const settled = run.catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      locks.set(key, settled);
      void settled.then(() => {
        if (locks.get(key) === settled) locks.delete(key);
      });
    });
  });
  const bound = await listen(server, port);
  return {
    endpoint: `http://${LOOPBACK}:${bound}`,
    server,
    faults,
    preconditionFailures: () => refused,
    close: () => closeServer(server),
  };
}
