#!/bin/busybox sh
# /init of the guest initramfs (busybox). Turns the host's root, shared read-only
# over 9p, into the guest's root with writable scratch dirs, binds every edu
# device to vfio-pci, runs the runner's command script there and hands its exit
# status back through the writable "rw" share, then powers off.
/bin/busybox --install -s /bin
export PATH=/bin
# Our output is the host's stdout: no \n -> \r\n translation on the serial line.
stty -onlcr 2>/dev/null

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# One of Debian's own kernels: its modules (9p, VFIO, nvme...) come with the initramfs, in dependency order
# (tests/vm/stock-kernel.sh); a kernel built here has them built in.
if [ -f /modules/load-order ]; then
  for m in $(cat /modules/load-order); do
    insmod "/modules/$m.ko" || { echo "vm-init: insmod $m failed"; poweroff -f; }
  done
fi

ninep=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /io /host
if ! mount -t 9p -o "$ninep" rw /io; then
  echo "vm-init: cannot mount the rw share"; poweroff -f
fi
fail() { echo "vm-init: $*"; echo "$*" >/io/init-error; sync; poweroff -f; }
: >/io/init-started # the runner's boot deadline stops waiting

cwd=$(cat /io/cwd) || fail "no /io/cwd from the runner"
shell=/bin/bash
if [ -f /io/own-root ]; then
  shell=/bin/sh   # busybox's: the guest root has no bash
  # A guest of another architecture: its root is the runner's (read-only) guest root, assembled
  # on a tmpfs from bind mounts, with this initramfs' busybox as /bin and the host's $cwd
  # (9p tag hostfs) at the same path, so published binaries and results live where the host has them.
  mkdir -p /guestroot /hostfs
  mount -t 9p -o "ro,$ninep,cache=loose" hostroot /guestroot || fail "cannot mount the guest root (9p tag hostroot)"
  mount -t 9p -o "ro,$ninep,cache=loose" hostfs /hostfs || fail "cannot mount the host's root (9p tag hostfs)"
  mount -t tmpfs -o mode=755 tmpfs /host || fail "tmpfs for the guest root"
  for d in /guestroot/*; do
    name=${d##*/}
    case "$name" in bin|proc|sys|dev|tmp|run) mkdir -p "/host/$name"; continue ;; esac
    if [ -d "$d" ] && [ ! -L "$d" ]; then mkdir -p "/host/$name" && mount -o bind "$d" "/host/$name" || fail "bind $d"
    else cp -a "$d" /host/; fi
  done
  cp /bin/busybox /host/bin/busybox && /bin/busybox --install -s /host/bin || fail "busybox in the guest root"
  mkdir -p "/host$cwd" && mount -o bind "/hostfs$cwd" "/host$cwd" || fail "cannot show the host's $cwd in the guest"
else
  mount -t 9p -o "ro,$ninep,cache=loose" hostroot /host || fail "cannot mount the host root (9p tag hostroot)"
fi

# Scratch dirs become tmpfs. If the command's cwd lies inside one of them, keep
# the host's copy of that subtree visible at the same path.
keep=
for d in /tmp /var/tmp /run; do
  case "$cwd/" in "$d"/*) mkdir /keep; mount -o bind "/host$cwd" /keep && keep=$cwd ;; esac
done
for d in /tmp /var/tmp /run; do
  [ -d "/host$d" ] && { mount -t tmpfs -o mode=1777 tmpfs "/host$d" || fail "tmpfs on $d"; }
done
if [ -n "$keep" ]; then mkdir -p "/host$keep" && mount -o move /keep "/host$keep" || fail "cannot keep $keep visible"; fi
mount -t proc proc /host/proc || fail "proc"
mount -t sysfs sysfs /host/sys || fail "sysfs"
# fail_nth tests set failslab/fail_page_alloc knobs here (a kernel without CONFIG_DEBUG_FS has nothing to mount)
mount -t debugfs debugfs /host/sys/kernel/debug 2>/dev/null || true
mount -t devtmpfs devtmpfs /host/dev || fail "devtmpfs"
mkdir -p /host/dev/shm && mount -t tmpfs -o mode=1777 tmpfs /host/dev/shm || fail "/dev/shm"
# A Debian system keeps its kernel's config as /boot/config-RELEASE (what IommufdSupport reads when there is no
# /proc/config.gz): show the stock image's own there instead of the host's /boot (the arm64 guest root has none).
if [ -f /boot-config ]; then
  { [ -d /host/boot ] || mkdir /host/boot; } && mount -t tmpfs -o mode=755 tmpfs /host/boot || fail "tmpfs on /boot"
  cp /boot-config "/host/boot/config-$(uname -r)" || fail "cannot place the kernel config"
fi
mkdir -p /host/run/vm-io && mount -o move /io /host/run/vm-io || fail "cannot move the rw share"
mkdir -p /host/tmp/home

# QEMU's edu device (1234:11e8) is the DMA-capable device the tests drive through VFIO. The sysfs paths of those
# bound, in PCI order, go to /run/edu-devices for the guest's shell (bench/vm-bench.sh); C# finds them with
# QemuEduDevice.SysfsPaths.
: >/host/run/edu-devices
for dev in /sys/bus/pci/devices/*; do
  [ "$(cat "$dev/vendor")" = 0x1234 ] && [ "$(cat "$dev/device")" = 0x11e8 ] || continue
  echo vfio-pci >"$dev/driver_override"
  echo "${dev##*/}" >/sys/bus/pci/drivers_probe
  case "$(readlink "$dev/driver")" in */vfio-pci) ;; *) fail "edu ${dev##*/} did not bind to vfio-pci" ;; esac
  echo "$dev" >>/host/run/edu-devices
done
ip link set lo up || fail "cannot bring lo up"


env -i HOME=/tmp/home TERM=dumb PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
  DOTNET_EnableWriteXorExecute=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 \
  DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
  chroot /host "$shell" /run/vm-io/cmd.sh </dev/null
echo $? >/host/run/vm-io/status
sync
poweroff -f
