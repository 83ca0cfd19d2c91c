/**
 * A warm Python worker process (worker.py): started once per interpreter, asked one
 * request at a time, restarted after anything kills it. The first answer (hello) says
 * whether the interpreter can import numpy; a missing interpreter or numpy becomes an
 * error that names the interpreter, the import that failed and the fix.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Socket } from 'node:net';
import { encodeFrame, FrameReader, type WireMessage } from './wire';

/** The interpreter could not be started or lacks numpy: nothing in the file can be checked. */
export class PythonSetupError extends Error {
  override name = 'PythonSetupError';
}

/** The process died (killed for time, os._exit, a crash) while a request was open. */
export class PythonExited extends Error {
  override name = 'PythonExited';
  constructor(
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(signal ? `was killed by ${signal}` : `exited with code ${code}`);
  }
}

export interface PythonInfo {
  python: string;
  executable: string;
  numpy: string;
}

const STDERR_TAIL = 4000;
/** How the setting and --python are named in messages. */
export const INTERPRETER_SETTING = 'the gradlens.pythonPath setting (CLI: --python)';

export class PythonProcess {
  private readonly reader = new FrameReader();
  private pending: { resolve: (m: WireMessage) => void; reject: (e: Error) => void } | undefined;
  private exited: PythonExited | undefined;
  private stderrTail = '';
  private nextId = 1;
  /** Where the user's print() output goes. */
  onLog: (text: string) => void = (t) => process.stderr.write(t);
  info: PythonInfo | undefined;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    readonly pythonPath: string,
  ) {
    child.stdout.on('data', (chunk: Buffer) => {
      for (const message of this.reader.push(chunk)) {
        const p = this.pending;
        this.pending = undefined;
        p?.resolve(message);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
      this.onLog(text);
    });
    child.on('exit', (code, signal) => {
      this.exited = new PythonExited(code, signal, this.stderrTail);
      const p = this.pending;
      this.pending = undefined;
      p?.reject(this.exited);
    });
    // A closed pipe shows up as the exit above; without a listener it would throw.
    child.stdin.on('error', () => undefined);
    this.idle();
  }

  /** Starts `pythonPath` on the worker script and checks it can import numpy. */
  static async start(pythonPath: string, workerScript: string, onLog?: (text: string) => void): Promise<PythonProcess> {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(pythonPath, ['-u', '-X', 'utf8', workerScript], {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
        windowsHide: true,
      });
    } catch (err) {
      throw new PythonSetupError(notStarted(pythonPath, (err as Error).message));
    }
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(new PythonSetupError(notStarted(pythonPath, err.code === 'ENOENT' ? 'no such program' : err.message))),
      );
    });
    await spawned;
    const proc = new PythonProcess(child, pythonPath);
    if (onLog) proc.onLog = onLog;
    let hello: WireMessage;
    try {
      hello = await proc.request({ op: 'hello' });
    } catch (err) {
      proc.kill();
      const tail = err instanceof PythonExited ? err.stderrTail.trim().split('\n').slice(-3).join(' ') : String(err);
      throw new PythonSetupError(
        `the Python interpreter '${pythonPath}' stopped before answering GradLens (${tail || (err as Error).message}); ` +
          `GradLens needs Python 3.8 or newer with numpy: set ${INTERPRETER_SETTING} to one`,
      );
    }
    const h = hello.header as { ok: boolean; python: string; executable: string; numpy: string | null; error: string | null };
    if (!h.ok || !h.numpy) {
      proc.kill();
      throw new PythonSetupError(
        `the Python interpreter '${pythonPath}' (Python ${h.python}) cannot import numpy (${h.error ?? 'not found'}): ` +
          `install it for that interpreter ('${pythonPath} -m pip install numpy', or Debian's python3-numpy), or set ${INTERPRETER_SETTING} to a Python that has it`,
      );
    }
    proc.info = { python: h.python, executable: h.executable, numpy: h.numpy };
    return proc;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** One request, answered in order; rejects with PythonExited if the process dies first. */
  request(header: Record<string, unknown>, arrays: WireMessage['arrays'] = []): Promise<WireMessage> {
    if (this.exited) return Promise.reject(this.exited);
    if (this.pending) return Promise.reject(new Error('the Python worker is busy'));
    this.busy();
    return new Promise<WireMessage>((resolve, reject) => {
      this.pending = {
        resolve: (m) => {
          this.idle();
          resolve(m);
        },
        reject,
      };
      this.child.stdin.write(encodeFrame({ header: { ...header, re: this.nextId++ }, arrays }));
    });
  }

  kill(): void {
    if (this.exited) return;
    this.child.kill('SIGKILL');
  }

  /** Between requests the process must not keep a command-line run alive. */
  private idle(): void {
    this.child.unref();
    unrefStream(this.child.stdout);
    unrefStream(this.child.stderr);
    unrefStream(this.child.stdin);
  }

  private busy(): void {
    this.child.ref();
    refStream(this.child.stdout);
  }
}

// A child's pipes are sockets: unreferenced, they let the event loop end.
function unrefStream(stream: unknown): void {
  if (stream instanceof Socket) stream.unref();
}

function refStream(stream: unknown): void {
  if (stream instanceof Socket) stream.ref();
}

function notStarted(pythonPath: string, why: string): string {
  return `GradLens could not start the Python interpreter '${pythonPath}' (${why}): set ${INTERPRETER_SETTING} to a Python 3 with numpy`;
}
