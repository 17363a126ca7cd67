/** Reading files of one git revision without touching the work tree: `git ls-tree` and `git cat-file --batch`. */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function git(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await run('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' });
  return stdout;
}

/** The commit a revision names, or undefined when it names none (or `cwd` is not in a repository). */
export async function resolveCommit(cwd: string, rev: string): Promise<string | undefined> {
  if (rev === '' || rev.startsWith('-')) return undefined;
  try {
    return (await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Every file path (relative to the repository root) in a commit's tree. */
export async function listFilesAt(root: string, commit: string): Promise<string[]> {
  const out = await git(root, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', commit]);
  return out.split('\0').filter(Boolean);
}

/** The contents of `paths` at `commit`, in one `git cat-file --batch`; a path missing there is left out. */
export async function readFilesAt(root: string, commit: string, paths: readonly string[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (paths.length === 0) return found;
  const output = await new Promise<Buffer>((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git cat-file failed: ${stderr.trim()}`))));
    child.stdin.end(paths.map((p) => `${commit}:${p}\n`).join(''));
  });
  let offset = 0;
  for (const p of paths) {
    const end = output.indexOf(0x0a, offset);
    if (end < 0) break;
    const header = output.subarray(offset, end).toString('utf8');
    offset = end + 1;
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!match) continue; // `<object> missing` or ambiguous
    const size = Number(match[2]);
    if (match[1] === 'blob') found.set(p, output.subarray(offset, offset + size));
    offset += size + 1;
  }
  return found;
}
