/**
 * Parent-side handle of one region's child process: spawns it (TypeScript through tsx), waits for
 * its endpoints, sends it calls over IPC and stops it, killing it if it does not exit in time.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { EventSourceMappingStats } from '../localaws/eventSourceMapping';
import type { ChangeRecord, ChildMessage, StreamState, ParentCallName, ParentMessage, RegionCallName, RegionCalls, RegionConfig, RegionReadyInfo } from './types';

export type LogMode = 'silent' | 'stderr';

const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

interface PendingCall {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

export class RegionProcess {
  private nextId = 1;
  private readonly pending = new Map<number, PendingCall>();
  private readonly stderrTail: string[] = [];
  private exited = false;
  private stopping = false;
  private readonly exitPromise: Promise<void>;
  private changeListener: (changes: ChangeRecord[]) => void = () => undefined;
  private objectListener: (objects: { key: string; ts: number }[]) => void = () => undefined;
  private streamListener: (state: StreamState) => void = () => undefined;
  private retryProcessingListener: (state: EventSourceMappingStats) => void = () => undefined;
  private requestHandler: (name: ParentCallName, args: unknown) => Promise<unknown> = (name) => Promise.reject(new Error(`no handler for ${name}`));
  /** The region's endpoints, set once it is ready (before `spawn` resolves). */
  info!: RegionReadyInfo;

  private constructor(
    readonly config: RegionConfig,
    private readonly child: ChildProcess,
    private readonly logs: LogMode,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        if (!this.stopping && this.info && code !== 0) {
          // A region that dies on its own looks like an outage to the front door; say why.
          const tail = this.stderrTail.slice(-10).join('\n');
          process.stderr.write(`sandbox: region ${config.region} exited unexpectedly (code ${String(code)}, signal ${String(signal)})${tail ? `\n${tail}` : ''}\n`);
        }
        for (const call of this.pending.values()) call.reject(new Error(`region ${config.region} exited`));
        this.pending.clear();
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get region(): string {
    return this.config.region;
  }

  /** Forks the region process and resolves once its endpoints are up. */
  static async spawn(config: RegionConfig, logs: LogMode): Promise<RegionProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    delete env.NODE_OPTIONS;
    const child = fork(join(__dirname, 'region.ts'), [], {
      execArgv: ['--import', pathToFileURL(require.resolve('tsx')).href],
      stdio: ['ignore', logs === 'stderr' ? 'pipe' : 'ignore', 'pipe', 'ipc'],
      env,
      cwd: join(__dirname, '..'),
    });
    const region = new RegionProcess(config, child, logs);
    region.attachStreams();
    await region.waitReady();
    return region;
  }

  private attachStreams(): void {
    if (this.logs === 'stderr') this.child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      if (this.logs === 'stderr') process.stderr.write(chunk);
      this.stderrTail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (this.stderrTail.length > 40) this.stderrTail.splice(0, this.stderrTail.length - 40);
    });
    this.child.on('message', (message: ChildMessage) => {
      if (message.type === 'changes') this.changeListener(message.changes);
      else if (message.type === 'objectChanges') this.objectListener(message.objects);
      else if (message.type === 'streamState') this.streamListener(message.state);
      else if (message.type === 'retryProcessingState') this.retryProcessingListener(message.state);
      else if (message.type === 'request') {
        this.requestHandler(message.name, message.args).then(
          (result) => this.respond({ type: 'response', id: message.id, ok: true, result }),
          (err: unknown) => this.respond({ type: 'response', id: message.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
        );
      }
      else if (message.type === 'reply') {
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        if (message.ok) call.resolve(message.result);
        else call.reject(new Error(`${this.config.region}: ${message.error}`));
      }
    });
  }

  private waitReady(): Promise<void> {
    return new Promise((resolve, reject) => {
      let failed = false;
      const fail = (why: string, stopChild: boolean): void => {
        if (failed) return;
        failed = true;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        const report = (): void => {
          const tail = this.stderrTail.slice(-15).join('\n');
          reject(new Error(`region ${this.config.region} failed to start: ${why}${tail ? `\n--- region stderr ---\n${tail}` : ''}`));
        };
        // Let the child remove its temporary directory (it exits by itself after a fatal error);
        // kill it only if it does not exit in time.
        if (stopChild && !this.exited) this.child.kill('SIGTERM');
        const killer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        void this.exitPromise.then(() => {
          clearTimeout(killer);
          report();
        });
      };
      const timer = setTimeout(() => fail(`not ready within ${STARTUP_TIMEOUT_MS} ms`, true), STARTUP_TIMEOUT_MS);
      const onMessage = (message: ChildMessage): void => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          this.child.off('message', onMessage);
          this.child.off('exit', onExit);
          this.info = message.info;
          resolve();
        } else if (message.type === 'fatal') {
          fail(message.message, false);
        }
      };
      const onExit = (code: number | null): void => fail(`exited with code ${String(code)}`, false);
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      const init: ParentMessage = { type: 'init', config: this.config };
      this.child.send(init);
    });
  }

  onChanges(listener: (changes: ChangeRecord[]) => void): void {
    this.changeListener = listener;
  }

  /** Receives the region's stream statistics whenever they change. */
  onRetryProcessingState(listener: (state: EventSourceMappingStats) => void): void {
    this.retryProcessingListener = listener;
  }

  onStreamState(listener: (state: StreamState) => void): void {
    this.streamListener = listener;
  }

  /** Answers the region's calls to the parent (strong mode's coordination). */
  onRequest(handler: (name: ParentCallName, args: unknown) => Promise<unknown>): void {
    this.requestHandler = handler;
  }

  private respond(message: ParentMessage): void {
    if (this.exited || !this.child.connected) return;
    this.child.send(message, () => undefined);
  }

  onObjectChanges(listener: (objects: { key: string; ts: number }[]) => void): void {
    this.objectListener = listener;
  }

  call<N extends RegionCallName>(name: N, args: RegionCalls[N]['args']): Promise<RegionCalls[N]['result']> {
    if (this.exited) return Promise.reject(new Error(`region ${this.config.region} is not running`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as RegionCalls[N]['result']), reject });
      const message: ParentMessage = { type: 'call', id, name, args };
      this.child.send(message, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }

  /** Stops the region (servers closed, temp dirs removed); kills it if it has not exited within 5 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.stopping = true;
    this.call('stop', {}).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exitPromise;
    clearTimeout(timer);
  }
}
