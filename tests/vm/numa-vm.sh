#!/usr/bin/env bash
# numa-vm.sh: boot a throwaway QEMU VM with an emulated NUMA topology and cgroup v2, run one
# command in it, and return that command's exit status.
#
# The guest runs a stock Debian kernel (PVH boot of the extracted vmlinux, TCG: this host's KVM
# cannot boot a stock kernel) with an initramfs that mounts the host's / read-only over 9p as its
# root, fresh /proc /sys /dev /tmp, and cgroup2 at /sys/fs/cgroup. Nothing of the host's cgroups
# is touched: the guest has its own kernel. See the project's notes on the VM for the findings.
#
#   numa-vm.sh --setup                    install qemu, fetch + extract the kernel (idempotent)
#   numa-vm.sh [options] -- CMD [ARG...]  run CMD in the guest (as root, cwd = current dir)
#
# Options: --sockets N (NUMA nodes per socket via --nodes-per-socket), --cores C (per socket),
# --threads T, --nodes-per-socket K, --mem-per-node MiB, --dist "a b c d;..." (row-major matrix,
# rows separated by ';'), -e NAME=VALUE (guest env), --timeout S, --purge.
# Exit status: the command's own; 124 timeout; 125 setup or VM failure.
set -euo pipefail

CACHE=${NUMA_VM_CACHE:-/var/cache/numa-vm}
SOCKETS=2 CORES=2 THREADS=2 NODES_PER_SOCKET=2 MEM_PER_NODE=256 DIST="" TIMEOUT=300
ENVS=()
# Bump when the generated /init changes, so --setup rebuilds the initramfs.
INIT_VERSION=3
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci 9pnet 9pnet_virtio netfs fscache 9p"

die() { echo "numa-vm: $*" >&2; exit 125; }

setup() {
  mkdir -p "$CACHE/debs"
  if ! command -v qemu-system-x86_64 >/dev/null; then
    apt-get update -qq || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null \
      || die "cannot install qemu-system-x86"
  fi
  if [ -f "$CACHE/kernel/vmlinux" ] && [ "$(cat "$CACHE/initramfs.version" 2>/dev/null)" = "$INIT_VERSION" ]; then
    return 0
  fi
  local kpkg
  kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  if [ -z "$kpkg" ]; then
    apt-get update -qq || die "apt-get update failed"
    kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  fi
  [ -n "$kpkg" ] || die "cannot resolve linux-image-amd64"
  (cd "$CACHE/debs" && apt-get download "$kpkg" busybox-static >/dev/null 2>&1) || die "apt-get download failed"
  local kdeb bdeb work
  kdeb=$(ls "$CACHE"/debs/linux-image-*.deb | head -n 1)
  bdeb=$(ls "$CACHE"/debs/busybox-static_*.deb | head -n 1)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
    './lib/modules/*/kernel/net/9p/*' './lib/modules/*/kernel/fs/9p/*' './lib/modules/*/kernel/fs/netfs/*' \
    './lib/modules/*/kernel/fs/fscache/*'
  dpkg-deb -x "$bdeb" "$work/bb"
  mkdir -p "$CACHE/kernel"
  python3 - "$work"/boot/vmlinuz-* "$CACHE/kernel/vmlinux" <<'PY' || die "cannot extract vmlinux"
import lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
# The bzImage payload is compressed; find it and decompress to the ELF vmlinux (PVH boot).
for magic, dec in ((b"\xfd7zXZ\x00", lambda b: lzma.LZMADecompressor().decompress(b)),
                   (b"\x1f\x8b\x08", lambda b: zlib.decompressobj(31).decompress(b))):
    pos = data.find(magic)
    while pos != -1:
        try:
            out = dec(data[pos:])
        except Exception:
            out = b""
        if out[:4] == b"\x7fELF":
            open(sys.argv[2], "wb").write(out)
            sys.exit(0)
        pos = data.find(magic, pos + 1)
sys.exit(1)
PY
  local init="$work/initramfs"
  mkdir -p "$init"/{bin,dev,proc,sys,newroot,ctl,lib/modules}
  cp "$work/bb/bin/busybox" "$init/bin/busybox"
  local m f
  for m in $MODULES; do
    f=$(find "$work/lib/modules" -name "$m.ko" | head -n 1)
    [ -n "$f" ] || die "module $m missing from $kdeb (update MODULES)"
    cp "$f" "$init/lib/modules/"
  done
  cat > "$init/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev
for m in $MODULES; do insmod /lib/modules/\$m.ko || { echo "numa-vm: insmod \$m failed"; poweroff -f; }; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose hostroot /newroot || { echo "numa-vm: no root"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L ctl /ctl
mount -t proc proc /newroot/proc; mount -t sysfs sysfs /newroot/sys; mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm 2>/dev/null
mount -t devpts devpts /newroot/dev/pts; mount -t tmpfs tmpfs /newroot/dev/shm
for d in tmp run var/tmp; do mount -t tmpfs tmpfs /newroot/\$d; done
mount -t cgroup2 none /newroot/sys/fs/cgroup
mkdir -p /newroot/run/numa-vm; mount --bind /ctl /newroot/run/numa-vm
# Host directories hidden by the fresh tmpfs mounts (a checkout or venv under /tmp), read-only.
while read -r tag dir; do
  mkdir -p "/newroot\$dir" && mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose "\$tag" "/newroot\$dir"
done < /ctl/shares
stty -onlcr 2>/dev/null
chroot /newroot /bin/sh /run/numa-vm/run.sh
echo \$? > /ctl/status
sync
echo 0 > /proc/sys/kernel/printk
poweroff -f
INIT
  chmod +x "$init/init"
  (cd "$init" && find . | "$init/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$CACHE/initramfs.cpio.gz") \
    || die "cannot build initramfs"
  echo "$INIT_VERSION" > "$CACHE/initramfs.version"
  rm -rf "$CACHE/debs"/*.deb
}

run() {
  [ -f "$CACHE/kernel/vmlinux" ] || die "not set up: run $0 --setup"
  local nodes=$((SOCKETS * NODES_PER_SOCKET)) ncpu=$((SOCKETS * CORES * THREADS))
  [ $((ncpu % nodes)) -eq 0 ] || die "cpus ($ncpu) must divide evenly over $nodes nodes"
  local per=$((ncpu / nodes))
  CTL=$(mktemp -d /tmp/numa-vm.XXXXXX)
  trap 'rm -rf "$CTL"' EXIT
  local ctl=$CTL
  {
    echo "export PATH='$PATH' HOME='${HOME:-/root}' LANG='${LANG:-C.UTF-8}' NUMA_VM_GUEST=1"
    [ -n "${VIRTUAL_ENV:-}" ] && echo "export VIRTUAL_ENV='$VIRTUAL_ENV'"
    local kv
    for kv in "${ENVS[@]+"${ENVS[@]}"}"; do printf 'export %q\n' "$kv"; done
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; printf '\n'
  } > "$ctl/run.sh"
  local args=(-machine pc -accel tcg,thread=multi -cpu max,vendor=GenuineIntel
    -smp "$ncpu,sockets=$SOCKETS,cores=$CORES,threads=$THREADS" -m "$((MEM_PER_NODE * nodes))M"
    -nographic -no-reboot -nodefaults -serial stdio -monitor none
    -kernel "$CACHE/kernel/vmlinux" -initrd "$CACHE/initramfs.cpio.gz"
    -append "console=ttyS0 quiet loglevel=0 rdinit=/init panic=-1"
    -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
    -virtfs "local,path=$ctl,mount_tag=ctl,security_model=none")
  local i j row
  for ((i = 0; i < nodes; i++)); do
    args+=(-object "memory-backend-ram,id=m$i,size=${MEM_PER_NODE}M"
      -numa "node,nodeid=$i,cpus=$((i * per))-$((i * per + per - 1)),memdev=m$i")
  done
  if [ -n "$DIST" ]; then
    IFS=';' read -r -a rows <<< "$DIST"
    for ((i = 0; i < nodes; i++)); do
      read -r -a row <<< "${rows[$i]}"
      for ((j = 0; j < nodes; j++)); do
        [ "$i" -lt "$j" ] || continue
        args+=(-numa "dist,src=$i,dst=$j,val=${row[$j]}")
      done
    done
  fi
  # The guest mounts fresh tmpfs over /tmp and /var/tmp: share the top directory there of the
  # working directory, the venv and every absolute path in the command, read-only, same path.
  local p top n=0
  declare -A seen=()
  : > "$ctl/shares"
  for p in "$PWD" "${VIRTUAL_ENV:-}" "$@"; do
    case "$p" in
      /tmp/*|/var/tmp/*) ;;
      *) continue ;;
    esac
    top=$(echo "$p" | cut -d/ -f1-3)
    [ "${top#/var/tmp}" != "$top" ] && top=$(echo "$p" | cut -d/ -f1-4)
    [ -d "$top" ] && [ "$top" != "$ctl" ] && [ -z "${seen[$top]:-}" ] || continue
    seen[$top]=1
    args+=(-virtfs "local,path=$top,mount_tag=share$n,security_model=none,readonly=on,multidevs=remap")
    echo "share$n $top" >> "$ctl/shares"
    n=$((n + 1))
  done
  local rc=0
  timeout --kill-after=5 "$TIMEOUT" qemu-system-x86_64 "${args[@]}" < /dev/null | tr -d '\r' || rc=$?
  if [ "$rc" -eq 124 ]; then return 124; fi
  [ -f "$ctl/status" ] || die "the VM ended without a status (qemu exit $rc)"
  return "$(cat "$ctl/status")"
}

[ $# -gt 0 ] || { sed -n '2,17p' "$0"; exit 125; }
while [ $# -gt 0 ]; do
  case "$1" in
    --setup) setup; exit 0 ;;
    --purge) rm -rf "$CACHE"; exit 0 ;;
    --sockets) SOCKETS=$2; shift 2 ;;
    --cores) CORES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --nodes-per-socket) NODES_PER_SOCKET=$2; shift 2 ;;
    --mem-per-node) MEM_PER_NODE=$2; shift 2 ;;
    --dist) DIST=$2; shift 2 ;;
    -e) ENVS+=("$2"); shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --) shift; break ;;
    *) die "unknown option $1" ;;
  esac
done
[ $# -gt 0 ] || die "no command given"
set +e
run "$@"
exit $?
