// The symbols stage: the running kernel's kallsyms, exports, and sympos.
export { LINK_TIME_TEXT, lookup, parseKallsyms, readKallsyms, vmlinuxAddress, type Kallsyms, type KallsymsEntry } from './kallsyms.js';
export { duplicateNames, symposAt, symposUnique, type SymbolPosition } from './sympos.js';
export { parseSymvers, readSymvers, type Export } from './symvers.js';
export { findShippedModule, readModuleSymbols, type ModuleSymbols } from './module-symbols.js';
