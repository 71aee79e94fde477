// Picking a view from the command line: `--format text|json|sarif|markdown`, with `--json`
// and `--sarif` as aliases. One document, built whole before anything is written.
import { InputError } from '../common/errors.js';
import { formatJson } from './json.js';
import { toMarkdown } from './markdown.js';
import type { ReportRecord } from './model.js';
import { toSarif, toolVersion } from './sarif.js';
import { formatText, type Colors } from './text.js';

export const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

export function parseFormat(opts: { format?: string; json?: boolean; sarif?: boolean }): Format {
  const asked: Array<{ format: Format; flag: string }> = [];
  if (opts.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(opts.format)) throw new InputError(`--format ${opts.format}: no such format`, `formats: ${FORMATS.join(', ')}`);
    asked.push({ format: opts.format as Format, flag: `--format ${opts.format}` });
  }
  if (opts.json) asked.push({ format: 'json', flag: '--json' });
  if (opts.sarif) asked.push({ format: 'sarif', flag: '--sarif' });
  if (new Set(asked.map((a) => a.format)).size > 1) throw new InputError(`${asked.map((a) => a.flag).join(' and ')} are exclusive`, 'choose one output format');
  return asked[0]?.format ?? 'text';
}

export function renderReport(r: ReportRecord, format: Format, opts: { color?: Colors; verbose?: boolean; sarifKinds?: readonly string[]; title?: string } = {}): string {
  switch (format) {
    case 'json':
      return formatJson(r);
    case 'sarif':
      return formatJson(toSarif(r, { version: toolVersion(), kinds: opts.sarifKinds }));
    case 'markdown':
      return toMarkdown(r, { title: opts.title });
    case 'text':
      return formatText(r, { color: opts.color, verbose: opts.verbose });
  }
}
