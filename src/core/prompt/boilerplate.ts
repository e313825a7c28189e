// Text an agent already sends on every request: the opening of its own system prompt, or the wrapper
// and reminders it puts around instruction files. An instruction file that repeats it pays for the same
// words twice on every request, and tells the model nothing it was not told.
import { finding, RuleContext } from './context';
import type { Finding } from './types';

interface Signature {
  agent: string;
  /** Lower-case, single-spaced; matched anywhere in a block. */
  text: string;
  /** Where the agent writes it (the producer's source, or the request it sends). */
  source: string;
}

// Each signature is a whole sentence the agent itself sends, long enough that a human author never
// writes it by accident.
const SIGNATURES: readonly Signature[] = [
  { agent: 'Claude Code', text: "you are claude code, anthropic's official cli for claude", source: 'the first system block of every Claude Code request' },
  { agent: 'Claude Code', text: 'you are an interactive cli tool that helps users with software engineering tasks', source: "Claude Code's system prompt" },
  { agent: 'Claude Code', text: 'important: this context may or may not be relevant to your tasks', source: "Claude Code's <system-reminder> around CLAUDE.md" },
  { agent: 'Claude Code', text: 'codebase and user instructions are shown below. be sure to adhere to these instructions', source: "Claude Code's wrapper around CLAUDE.md" },
  { agent: 'Codex', text: 'you are a coding agent running in the codex cli, a terminal-based coding assistant', source: 'openai/codex codex-rs prompt.md' },
  { agent: 'Gemini CLI', text: 'you are an interactive cli agent specializing in software engineering tasks. your primary goal is to help users safely and efficiently', source: 'google-gemini/gemini-cli packages/core/src/core/prompts.ts' },
  { agent: 'GitHub Copilot', text: 'when asked for your name, you must respond with "github copilot"', source: "Copilot Chat's system prompt" },
];

const REMINDER = /<\/?system-reminder>/i;
const norm = (s: string): string => s.toLowerCase().replace(/[\u2018\u2019]/g, "'").replace(/[\u201c\u201d]/g, '"').replace(/\s+/g, ' ');

export function agentBoilerplate(c: RuleContext): Finding[] {
  const out: Finding[] = [];
  c.blocks.forEach((b, i) => {
    if (c.claimed.has(i)) return;
    const raw = c.text.slice(b.start, b.end);
    const text = norm(raw);
    const sig = SIGNATURES.find(s => text.includes(s.text));
    const reminder = !sig && REMINDER.test(raw);
    if (!sig && !reminder) return;
    const tokens = c.tok(b.raw);
    const what = sig
      ? `This repeats ${sig.agent}'s own words (${sig.source}), which it already sends with every request`
      : 'A pasted `<system-reminder>`: the agent writes these into the conversation itself, so a copy here repeats it on every request';
    out.push(finding('agent-boilerplate', 'warning', b.start, b.end,
      `${what}: ${c.fmt(tokens)} tokens paid twice that tell the model nothing new. Delete the copy; keep only what is specific to this project.`,
      tokens));
  });
  return out;
}
