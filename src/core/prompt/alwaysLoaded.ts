// Files that agents put into every request, whatever the user asks: their tokens are paid on every
// call, so they get the tighter budget and a weekly cost.
import type { FrontMatter } from './frontMatter';

const ALWAYS_NAMES = new Set(['claude.md', 'claude.local.md', 'agents.md', 'gemini.md', '.cursorrules', '.windsurfrules']);

function truthy(v: string | undefined): boolean {
  return v !== undefined && /^(?:true|yes|on)$/i.test(v.trim());
}

export function isAlwaysLoaded(filePath: string, fm: FrontMatter): boolean {
  const p = filePath.replace(/\\/g, '/');
  const base = p.slice(p.lastIndexOf('/') + 1).toLowerCase();
  if (ALWAYS_NAMES.has(base)) return true;
  if (/(?:^|\/)\.github\/copilot-instructions\.md$/i.test(p)) return true;
  if (/(?:^|\/)\.cursor\/rules\/.*\.mdc$/i.test(p)) return truthy(fm.fields.get('alwaysApply')?.value);
  if (base.endsWith('.instructions.md')) {
    const applyTo = fm.fields.get('applyTo')?.value.trim();
    // `applyTo: "**"` (or "**/*") attaches the file to every request
    return applyTo !== undefined && /^(?:\*\*|\*\*\/\*|\*\*\/\*\.\*)$/.test(applyTo);
  }
  return false;
}
