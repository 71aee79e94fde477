// The exit-code table printed by --help and documented in README.md.
export const EXIT_CODE_HELP = `
Exit codes (every command):
  0   success; the patch is live-patchable
  1   not live-patchable (a verdict on the patch, with reasons)
  2   bad usage or bad input (missing or malformed file, a diff that does not apply)
  3   no functional change (nothing to patch)
  4   environment or toolchain failure (missing tool or headers, compile error,
      a tree or config that does not match the running kernel)
  70  internal error (a bug in create-diff-module: please report it)
`;
