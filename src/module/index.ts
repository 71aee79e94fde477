// The module stage: registration source, kbuild link with the patch object, and the post-link
// step that writes the livepatch relocation sections and symbols.
export { CALLBACK_KINDS, checkPlan, placeholderIndex, readPlan, PLACEHOLDER_PREFIX, PLACEHOLDER_SECTION } from './plan.js';
export type { KlpCallbacks, KlpFunction, KlpPlaceholder, KlpPlan, PlaceholderType } from './plan.js';
export { generateRegistration, objectsOf, type RegistrationOptions } from './registration.js';
export { KLP_RELA_FLAGS, klpSectionName, klpSymbolName, postLinkKlp, type PostLinkResult } from './postlink.js';
export { buildModule, buildModuleDetailed, type BuildModuleOptions, type BuiltModule } from './build.js';
