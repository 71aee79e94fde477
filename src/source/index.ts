// Source analysis with tree-sitter: which declarations a diff changes and what that means
// for a live patch (layout, semantics, unpatchable code, care, review), with file:line.
export { ALWAYS_ON_STACK } from './body.js';
export { analyzeChanges, type AnalyzeOptions, type Finding, type FunctionChange, type SourceAnalysis } from './analyze.js';
export { parseC, type Decl, type DeclKind, type ParsedFile } from './decls.js';
export { estimateIncludingTus, includeGraph, type TuEstimate } from './headers.js';
export { KINDS, kindInfo, type FindingKind, type KindInfo, type Severity } from './kinds.js';
export { checkAllow, checkTree, lintFilePatches, lintPatchFiles, type LintOptions } from './lint.js';
export { buildReport, exitCodeFor, formatText, REPORT_SCHEMA, toSarif, type LintReport, type Verdict } from './report.js';
