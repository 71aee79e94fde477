// The report: one record (create-diff-module/report@0) for lint and check, and its views.
export * from './model.js';
export { ALL_KIND_IDS, isKnownKind, OBJECT_KINDS, objectRemedy, ruleInfo, SOURCE_KIND_IDS, type RuleInfo } from './kinds.js';
export { applyWaivers, CONFIG_FILE_NAME, loadConfigCc, loadConfigWaivers, mergeWaivers, parseAllowOption, waiverFor } from './waivers.js';
export { colorsFor, formatText, type Colors, type TextOptions } from './text.js';
export { SARIF_SCHEMA_URI, toSarif, toolVersion, type SarifOptions } from './sarif.js';
export { toMarkdown, type MarkdownOptions } from './markdown.js';
export { formatJson } from './json.js';
export { renderReport, parseFormat, FORMATS, type Format } from './render.js';
