// Shell functions (busybox sh in the target's initramfs) shared by the QEMU scripts that load
// livepatch modules: wait for a transition, load, disable and remove, and remove a module
// that pins itself (unload hazards) after checking that rmmod is refused until allowed.
export const LIVEPATCH_SHELL = `
lp=/sys/kernel/livepatch
settle() { i=0; while [ "$(cat $lp/$1/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; }
gone() { i=0; while [ -d $lp/$1 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; [ -d $lp/$1 ] && echo "$1: stuck" || true; }
load() { insmod /modules/$1.ko && settle $1 && echo "$1: enabled=$(cat $lp/$1/enabled) transition=$(cat $lp/$1/transition)"; }
unload() { echo 0 > $lp/$1/enabled; gone $1; rmmod $1 && echo "$1: removed"; }
unpin() { echo 0 > $lp/$1/enabled; gone $1; rmmod $1 2>/dev/null && echo "$1: removed while pinned"; echo "$1: allow_unload=$(cat /sys/module/$1/parameters/allow_unload)"; echo 1 > /sys/module/$1/parameters/allow_unload; rmmod $1 && echo "$1: removed"; }
`;
