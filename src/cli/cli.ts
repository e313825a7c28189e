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
    '$XDG_CACHE_HOME/tokenomics. TOKENOMICS_QUOTAS (JSON, like the tokenomics.quotas setting) adds quotas to',
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

export async function main(argv: string[], io: CliIO): Promise<number> {
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
    // a cold scan is coming: its worker starts while the command's modules load (scanPool.ts)
    if (rest.includes('--no-cache') && cmd !== 'count') (await import('../core/usage/scanPool')).prestartWorker();
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

if (require.main === module) {
  main(process.argv.slice(2), processIO()).then(code => { process.exitCode = code; });
}
