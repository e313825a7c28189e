// What a CLI command needs from the outside world, so tests can run commands in-process.

export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** A usage error: the command prints the one-line message and exits 2. */
export class UsageError extends Error {}

export const processIO = (): CliIO => ({
  stdout: s => process.stdout.write(s),
  stderr: s => process.stderr.write(s),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
  cwd: process.cwd(),
});

/**
 * A small, strict option parser: unknown flags are errors (a typo must not silently change a report).
 * `spec` maps flag name to 'bool' | 'string' | 'multi'.
 */
export type FlagKind = 'bool' | 'string' | 'multi';

/** A command's help: its synopsis, one line on what it does, and its options in aligned columns. */
export function usageText(synopsis: string, summary: string, options: readonly (readonly [string, string])[], after = ''): string {
  const width = Math.max(...options.map(([f]) => f.length));
  return `usage: ${synopsis.replace(/\n/g, '\n       ')}\n\n${summary}\n${options.map(([f, t]) => `  ${f.padEnd(width)}  ${t}`).join('\n')}\n${after}`;
}

export function parseArgs(argv: string[], spec: Readonly<Record<string, FlagKind>>): { flags: Record<string, string | string[] | boolean>; positionals: string[] } {
  const flags: Record<string, string | string[] | boolean> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const kind = Object.hasOwn(spec, name) ? spec[name] : undefined; // '--constructor' is no option
      if (!kind) throw new UsageError(`unknown option --${name}`);
      if (kind === 'bool') {
        if (eq >= 0) throw new UsageError(`--${name} takes no value`);
        flags[name] = true;
        continue;
      }
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      if (kind === 'multi') flags[name] = [...((flags[name] as string[] | undefined) ?? []), value];
      else flags[name] = value;
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`unknown option ${a}`);
    } else {
      positionals.push(a);
    }
  }
  return { flags, positionals };
}
