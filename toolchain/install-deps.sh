#!/usr/bin/env bash
# Install the Debian packages create-diff-module and its tests need (Debian 12).
# Idempotent: packages already present are skipped by apt. Run as root (CI is root).
set -euo pipefail

packages=(
  # compiling kernel translation units exactly as kbuild does (gcc: kbuild's HOSTCC for fixdep, objtool)
  gcc-12 gcc g++ make binutils flex bison bc libelf-dev libssl-dev dwarves xz-utils ca-certificates
  # the QEMU tier: boot the Debian kernel with a busybox initramfs
  qemu-system-x86 busybox-static cpio kmod
  # cross compilers for the multi-architecture ELF and differ corpus
  gcc-aarch64-linux-gnu gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu
  # compiler launchers kbuild can run through (--cc): the kernel tier starts its own distccd
  distcc ccache
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} Debian packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The kernel and QEMU tiers download Debian's 6.1 kernel packages (src/target, docs/target.md)
# with `apt-get download`: apt's package lists must know them (the newest ABIs are in
# bookworm-security). Refresh the lists only when they do not.
if [ -z "$(apt-cache madison linux-source-6.1 2>/dev/null)" ]; then
  echo "install-deps: apt knows no linux-source-6.1; running apt-get update"
  $SUDO apt-get update -q
fi
