// Copilot Chat's own setting that turns its local trace store (agent-traces.db) on
// (microsoft/vscode-copilot-chat src/platform/otel/common/otelConfig.ts, settingDbSpanExporter).
// A module of its own so the extension host's command imports nothing else of the reader.
export const COPILOT_TRACE_SETTING = 'github.copilot.chat.otel.dbSpanExporter.enabled';
