// `tokenomics`: the command line, on the same core as the extension.
import { CliIO, UsageError, processIO } from './io';

const HELP = `tokenomics: what your AI tokens cost, from your terminal

usage:
  tokenomics count [--model M] [--json] <file>...   tokens, cost per call and context share ('-' reads stdin)
  tokenomics report [--json] [--explain] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--timezone IANA]
                    [--claude-dir DIR]... [--codex-dir DIR] [--gemini-dir DIR] [--no-cache]
                                                    spend from coding-agent logs, by day
  tokenomics week [--week YYYY-MM-DD] [--format text|md|csv|json] [--timezone IANA]
                  [--week-starts-on monday|sunday|saturday] [--waste-threshold USD]
                  [--claude-dir DIR]... [--codex-dir DIR] [--gemini-dir DIR] [--no-cache]
                                                    the weekly usage summary
  tokenomics forget --before YYYY-MM-DD [--timezone IANA] [folder flags as report]
                                                    drop the kept history of logs the agents deleted

Agent logs are found as the agents do (CLAUDE_CONFIG_DIR, CODEX_HOME, ~/.claude, ~/.codex, ~/.gemini).
The usage index is cached in $XDG_CACHE_HOME/tokenomics. TOKENOMICS_QUOTAS (JSON, like the
tokenomics.quotas setting) adds quotas to the weekly summary. Nothing is sent over the network.
`;

type Command = (argv: string[], io: CliIO) => Promise<number>;
const COMMANDS: Record<string, () => Promise<Command>> = {
  count: async () => (await import('./count')).run,
  report: async () => (await import('./report')).run,
  week: async () => (await import('./week')).run,
  forget: async () => (await import('./forget')).run,
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout(HELP);
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    io.stderr(`tokenomics: unknown command '${cmd}' (try: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await (await load())(rest, io);
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
