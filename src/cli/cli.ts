// `tokenomics`: the command line, on the same core as the extension.
import { CliIO, UsageError, processIO } from './io';

/** A command: its one-line summary, its usage text (`tokenomics <command> --help`) and its run. */
interface Command {
  SUMMARY: string;
  synopsis(): string;
  usage(): string;
  run(argv: string[], io: CliIO): Promise<number>;
}
// loaded on use, so `count` never pays for the agent-log modules
const COMMANDS: Record<string, () => Promise<Command>> = {
  count: async () => import('./count'),
  report: async () => import('./report'),
  week: async () => import('./week'),
  export: async () => import('./export'),
  forget: async () => import('./forget'),
  leaks: async () => import('./leaks'),
};

async function help(): Promise<string> {
  const parts = ['tokenomics: what your AI tokens cost, from your terminal', '', 'usage:'];
  for (const load of Object.values(COMMANDS)) {
    const cmd = await load();
    parts.push(`  ${cmd.synopsis().replace(/\n/g, '\n  ')}`, `      ${cmd.SUMMARY}`);
  }
  parts.push('', `'tokenomics <command> --help' explains a command's options. The usage index is cached in`,
    '$XDG_CACHE_HOME/tokenomics, the compiled code of the last run in its code/ folder (TOKENOMICS_CODE_CACHE=0:',
    'none). TOKENOMICS_QUOTAS (JSON, like the tokenomics.quotas setting) adds quotas to',
    'the weekly summary. Nothing is sent over the network, except by \'export\' to the receiver you name.', '');
  return parts.join('\n');
}

/** True when the arguments ask for help (before any `--`, after which everything is a file name). */
function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** How this process was started: by dist/cli.js (launch.ts), or as out/src/cli/cli.js. */
export interface Launch {
  /** Where the scan workers keep V8's compiled code between runs (codeCache.ts); absent: compiled every time. */
  workerCodeDir?: string | null;
}

export async function main(argv: string[], io: CliIO, launch: Launch = {}): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const named = cmd === 'help' ? rest[0] : undefined;
    if (named && Object.hasOwn(COMMANDS, named)) { io.stdout((await COMMANDS[named]!()).usage()); return 0; }
    io.stdout(await help());
    return cmd ? 0 : 2;
  }
  // own keys only: 'tokenomics constructor' is an unknown command, not Object's constructor
  const load = Object.hasOwn(COMMANDS, cmd) ? COMMANDS[cmd] : undefined;
  if (!load) {
    io.stderr(`tokenomics: unknown command '${cmd}' (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    if (cmd !== 'count') {
      // the commands that read agent logs load the scan pool anyway: `count` never does
      const pool = await import('../core/usage/scanPool');
      if (launch.workerCodeDir) pool.keepWorkerCode(launch.workerCodeDir);
      // a cold scan is coming: its worker starts while the command's modules load (scanPool.ts)
      if (rest.includes('--no-cache')) pool.prestartWorker();
    }
    const command = await load();
    if (wantsHelp(rest)) { io.stdout(command.usage()); return 0; }
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`tokenomics ${cmd}: ${e.message}\n`);
      return 2;
    }
    io.stderr(`tokenomics ${cmd}: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}

/** Runs this process's command line; `done` once the command finished (launch.ts keeps the compiled code then). */
export function runProcess(launch: Launch = {}, done?: () => void): void {
  void main(process.argv.slice(2), processIO(), launch).then(code => { process.exitCode = code; done?.(); });
}

if (require.main === module) runProcess();
