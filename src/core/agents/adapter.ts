// The contract every agent implements: one object per agent, in one file per agent
// (`src/core/agents/<agent>.ts`), listed once in `agents/index.ts`. Everything else (the usage index,
// the weekly summary, the CLI flags, the settings, the display names in the client and the webview)
// loops over that list and never names an agent.
import type { AgentReader } from './records';

/**
 * Where a number comes from. `exact`: the agent logged the provider's usage for the call.
 * `lower-bound`: the log holds only part of it (Copilot's journal keeps the last round of a request).
 * `estimate`: counted from text by a tokenizer that is not the provider's (Continue).
 * A total over several parts is `estimate` if any part is, else `lower-bound` if any part is, else `exact`.
 */
export type Basis = 'exact' | 'lower-bound' | 'estimate';

export function combineBasis(a: Basis, b: Basis): Basis {
  if (a === 'estimate' || b === 'estimate') return 'estimate';
  if (a === 'lower-bound' || b === 'lower-bound') return 'lower-bound';
  return 'exact';
}

/** Where an agent keeps its logs, as the agent itself decides it. */
export interface LogLocation {
  /**
   * The machine-scoped setting that replaces the defaults, without the `tokenomics.` prefix
   * (`claudeDirs`), and the CLI flag that does the same (`claude-dir`, repeatable).
   */
  setting: string;
  cliFlag: string;
  /** The setting's description in the manifest. */
  settingDescription: string;
  /**
   * The folders searched when the user names none (env vars honoured as the agent honours them).
   * `host` says where the editor running the engine keeps its user data, when it does.
   */
  defaultRoots(env: NodeJS.ProcessEnv, home: string, host?: import('./vscodeUserDirs').HostInfo): string[];
  /** The environment variables `defaultRoots` honours (`CLAUDE_CONFIG_DIR`), named in the CLI's help. */
  envVars?: readonly string[];
  /** The folders walked under one root: a root may name the agent's home or its log folder itself. */
  scanDirs(root: string): string[];
  /** Which files under those folders are this agent's usage logs. */
  isLogFile(name: string, fullPath: string): boolean;
  /**
   * The agent also lives in VS Code's user-data folders (`<User>`, see `vscodeUserDirs.ts`): its roots
   * include them, and `tokenomics.vscodeUserDirs` / `--vscode-user-dir` (declared once, by Copilot)
   * replace their defaults for every such agent; `scanDirs` tells the two kinds of root apart. An
   * agent with no folder of its own (Roo) names `vscodeUserDirs` as its `setting`: settings and flags
   * generated from the adapters are declared once per name.
   */
  vscodeUserDirs?: boolean;
  /** Folders under a scan dir never walked into (OpenCode's `storage/part` holds a file per message part). */
  prune?(name: string, fullPath: string): boolean;
  /**
   * Log files named one by one, besides the folders (Copilot's OTel file exporter writes wherever its
   * user points it): a machine-scoped setting (`tokenomics.<setting>`) and a repeatable CLI flag add
   * them; `envVar`, when set in the environment, names one more, as it does for the agent. A scan
   * dir may also be a file: it is taken as a log whatever its name.
   */
  files?: { setting: string; cliFlag: string; settingDescription: string; envVar?: string };
}

/** Tool calls, edits and commands, for the weekly summary's value and waste sections. */
export interface ActivityReader {
  /** Lines containing none of these byte patterns are skipped without being decoded. */
  needles: readonly Buffer[];
  /** One decoded line of a transcript. `c` is the collector the activity module passes in. */
  line(c: ActivityCollector, line: Record<string, unknown>): void;
  /** Lines that hold a needle but are known to carry no activity (file backups): skipped before decoding. */
  skip?(line: string): boolean;
  /**
   * Transcripts the agent rewrites whole (Cline's `ui_messages.json`): read whole, every time they
   * change, by `wholeFile` instead of line by line.
   */
  isWholeFile?(file: string): boolean;
  wholeFile?(c: ActivityCollector, text: string, file: string): void;
  /** Which of the agent's usage files carry activity at all (not Copilot's trace database): all when absent. */
  hasActivity?(file: string): boolean;
}

/** What an activity reader reports into; implemented by the activity module. */
export interface ActivityCollector {
  /** Sets the instant of the line being read from its `timestamp` field (an ISO string, or epoch ms). */
  at(timestamp: unknown): void;
  /** The transcript's session id; the first one set wins (resumed copies carry their parent's too). */
  setSession(id: string): void;
  toolCall(): void;
  /** An edit from its text before and after: +/- lines are counted from the difference. */
  edit(id: string, file: unknown, before: unknown, after: unknown): void;
  /** An edit whose +/- line counts are known (a patch). */
  editCounted(id: string, file: string, added: number, removed: number): void;
  /** Tool call `id` read the file `path` (a ranged read is a different path: `file#offset:limit`). */
  read(id: string, path: string, tool: string): void;
  /** Tool call `id` ran a shell command (commits and test runs are recognised from it). */
  shell(id: string, cmd: string, tool: string): void;
  /** Any other tool call; `detail` names what it worked on, for the big-results list. */
  other(id: string, tool: string, detail: string): void;
  /** The result of tool call `id`: its size in characters, and whether it failed. */
  result(id: string, chars: number, failed: boolean): void;
  malformed(): void;
}

export interface AgentAdapter {
  /** Stable id: in JSON output, in the persisted index (stored by name, never by position), in settings. */
  readonly id: string;
  /** Shown to people: 'Claude Code'. */
  readonly displayName: string;
  readonly logs: LogLocation;
  readonly usage: AgentReader;
  readonly activity?: ActivityReader;
  /** Always-loaded instruction files at a project's root ('CLAUDE.md'), for the weekly summary. */
  readonly instructionFiles: readonly string[];
  /**
   * The agent's models count with o200k_base exactly (OpenAI's), so its instruction files' token
   * counts are exact; otherwise they are shown as ≈ estimates.
   */
  readonly instructionTokensExact?: boolean;
  /** Where this agent's numbers come from unless a record says otherwise. */
  readonly basis: Basis;
  /**
   * The agent's own prices, when it bills unlike the model's provider (Copilot: AI credits at GitHub's
   * per-model token prices). Undefined for a model it does not list: the catalog prices it.
   */
  prices?(model: string): import('../catalog').ModelInfo | undefined;
}
