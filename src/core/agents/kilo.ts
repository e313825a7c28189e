// Kilo Code (`kilocode.kilo-code`), two generations: 5.x kept Roo-style task folders in VS Code's
// globalStorage (clineTasks.ts, with Roo's tokensIn rule: Kilo forked Roo and kept its usage rows);
// 7.x keeps sessions in `~/.local/share/kilo/kilo.db` with OpenCode's schema (opencode.ts), and its
// migration imports the 5.x tasks there as zero-token messages with model `legacy`, which are
// skipped, so a migrated task counts once, from its folder (ccusage rust/crates/ccusage/src/adapter/kilo).
import path from 'node:path';
import type { AgentAdapter } from './adapter';
import { isTaskUiFile, parseUiMessages, taskActivity, TaskRules } from './clineTasks';
import { KILO, isLegacyMessage, kiloDbReader, pruneSessionStore, xdgDataDir } from './opencode';
import type { AgentReader } from './records';
import { ROO_RULES, taskDirs } from './roo';
import { isVscodeUserDir } from './vscodeUserDirs';
import { isDir } from './shared';

export const KILO_EXTENSION_ID = 'kilocode.kilo-code';
const KILO_RULES: TaskRules = { ...ROO_RULES, agent: KILO, prefix: 'kilo' };

export const kiloReader: AgentReader = {
  ...kiloDbReader,
  wholeFile: (text, file, emit) => (isTaskUiFile(path.basename(file), file)
    ? parseUiMessages(text, file, emit, KILO_RULES)
    : kiloDbReader.wholeFile!(text, file, emit)),
};

export const kiloAdapter: AgentAdapter = {
  id: 'kilo',
  displayName: 'Kilo Code',
  logs: {
    setting: 'kiloDirs',
    cliFlag: 'kilo-dir',
    settingDescription: "Kilo Code 7.x data folders (holding `kilo.db`), replacing the default `$XDG_DATA_HOME/kilo` (`~/.local/share/kilo`); its older VS Code task history is found through `tokenomics.vscodeUserDirs`.",
    defaultRoots: (env, home) => [xdgDataDir(env, home, 'kilo')],
    scanDirs: root => (isVscodeUserDir(root) ? taskDirs(root, [KILO_EXTENSION_ID], ['kilo-code.customStoragePath']) : [isDir(path.join(root, 'kilo')) ? path.join(root, 'kilo') : root]),
    isLogFile: (name, full) => name === 'kilo.db' || isTaskUiFile(name, full) || isLegacyMessage(full),
    prune: pruneSessionStore,
    vscodeUserDirs: true,
  },
  usage: kiloReader,
  activity: taskActivity,
  instructionFiles: ['.kilocoderules'],
  basis: 'exact',
};
