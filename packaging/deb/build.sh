#!/usr/bin/env bash
# Builds packaging/deb/out/castd_<version>_amd64.deb with Debian's own tools (dpkg-shlibdeps, dpkg-deb): castd and
# castload published self-contained for linux-x64 (the VM needs no .NET), the hardened units, maintainer scripts,
# /etc/castd/castd.conf generated from `castd --help`, docs, the Grafana dashboards and the sysctl snippet.
#
#   packaging/deb/build.sh [--compare-r2r]
#
# --compare-r2r  also publishes the other ReadyToRun choice, measures start-up (spawn to READY=1, median of 5) of
#                both and packages the faster one. Measured here: with ReadyToRun is faster (see README).
# Prints the .deb's path last. Needs the .NET SDK; installs dpkg-dev, python3 and npm if missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

compare=false
case "${1-}" in
--compare-r2r) compare=true ;;
"") ;;
*) echo "build.sh: unknown argument $1 (see the comment at the top)" >&2; exit 2 ;;
esac

version="$(project_version "$root")"
# Debian versions start with a digit and use only these characters (deb-version(7)).
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || fail "<Version> '$version' is not a Debian version"
# npm: the castd build fetches the watch page's mpegts.js (src/Daemon/Web, package-lock.json) and embeds it.
need_packages dpkg-shlibdeps=dpkg-dev python3=python3 npm=npm

# Measured with --compare-r2r (README, "Install and operate"): ReadyToRun starts castd 8-17 % sooner for 2 MB more.
# Only castd's own and its NuGet assemblies gain: the runtime pack's are precompiled either way.
default_r2r=true
work="$(mktemp -d /tmp/castd-deb.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# stage R2R TREE: publishes both programs into TREE/usr/lib/castd and lays out the rest of the package in TREE.
stage() {
  local r2r="$1" tree="$2" lib="$2/usr/lib/castd" project pub file
  for project in Daemon Castload; do
    pub="$work/publish-$r2r-$project"
    heavy dotnet publish "$root/src/$project" -c Release -r linux-x64 --self-contained -p:PublishReadyToRun="$r2r" -p:SatelliteResourceLanguages=en \
      -o "$pub" -nologo -v quiet >&2
  done
  mkdir -p "$lib"
  cp -a "$work/publish-$r2r-Daemon/." "$lib/"
  # castload shares castd's runtime files: one copy of the runtime, as long as every shared file is identical. The one
  # exception: castd's ObjectPool is the ASP.NET Core shared framework's servicing build of the same assembly version
  # (10.0.0.0) that castload gets from NuGet, so castload runs on it too.
  (cd "$work/publish-$r2r-Castload" && find . -type f -printf '%P\n') | while read -r file; do
    if [[ -e "$lib/$file" ]]; then
      [[ "$file" == Microsoft.Extensions.ObjectPool.dll ]] || cmp -s "$work/publish-$r2r-Castload/$file" "$lib/$file" \
        || fail "castload's $file differs from castd's"
    else
      install -D -m 644 "$work/publish-$r2r-Castload/$file" "$lib/$file"
    fi
  done
  # RocksDB's package also carries musl and jemalloc builds; RocksDbSharp falls back to the plain glibc one. The LTTng
  # trace provider needs liblttng-ust, which a bare VM lacks; the runtime loads it only if present.
  rm -f "$lib/librocksdb-musl.so" "$lib/librocksdb-jemalloc.so" "$lib/libcoreclrtraceptprovider.so" "$lib"/*.pdb
  find "$lib" -type f -exec chmod 644 {} +
  chmod 755 "$lib/castd" "$lib/castload" "$lib/createdump"

  mkdir -p "$tree/usr/bin" "$tree/etc/castd" "$tree/lib/systemd/system" "$tree/usr/share/doc/castd" \
    "$tree/usr/share/castd/sysctl" "$tree/usr/share/lintian/overrides" "$tree/DEBIAN"
  ln -s ../lib/castd/castd "$tree/usr/bin/castd"
  ln -s ../lib/castd/castload "$tree/usr/bin/castload"
  "$lib/castd" --help | python3 "$here/conffile.py" > "$tree/etc/castd/castd.conf"
  mkdir -p "$tree/usr/share/man/man1"
  "$lib/castd" --help | python3 "$here/manpage.py" castd "live-stream fan-out daemon" "$version" \
    | gzip -9n > "$tree/usr/share/man/man1/castd.1.gz"
  "$lib/castload" --help | python3 "$here/manpage.py" castload "castd's load tester and channel-source simulator" "$version" \
    | gzip -9n > "$tree/usr/share/man/man1/castload.1.gz"
  install -m 644 "$root/systemd/castd.service" "$root/systemd/castd.socket" "$tree/lib/systemd/system/"
  install -m 644 "$root/packaging/sysctl/90-castd.conf" "$tree/usr/share/castd/sysctl/"
  cp -r "$root/packaging/grafana" "$tree/usr/share/castd/"
  install -m 644 "$here/copyright" "$tree/usr/share/doc/castd/"
  gzip -9n < "$root/README.md" > "$tree/usr/share/doc/castd/README.md.gz"
  # The reference for clients and operators (docs/), readable on the VM itself: zless /usr/share/doc/castd/docs/...
  mkdir -p "$tree/usr/share/doc/castd/docs"
  for page in "$root"/docs/*.md; do
    gzip -9n < "$page" > "$tree/usr/share/doc/castd/docs/$(basename "$page").gz"
  done
  changelog | gzip -9n > "$tree/usr/share/doc/castd/changelog.gz"
  install -m 644 "$here/lintian-overrides" "$tree/usr/share/lintian/overrides/castd"
  find "$tree/usr/share" "$tree/etc" -type f -exec chmod 644 {} +
  # castd.conf may hold CASTD_ADMIN_TOKEN and CASTD_RELAY_SECRET: root only (systemd reads it as root).
  chmod 600 "$tree/etc/castd/castd.conf"
  find "$tree" -type d -exec chmod 755 {} +

  install -m 755 "$here/postinst" "$here/prerm" "$here/postrm" "$tree/DEBIAN/"
  install -m 644 "$here/conffiles" "$tree/DEBIAN/"
  control "$tree" > "$tree/DEBIAN/control"
  (cd "$tree" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$tree/DEBIAN/md5sums"
  chmod 644 "$tree/DEBIAN/control" "$tree/DEBIAN/md5sums"
}

# A one-entry changelog (policy wants one in every package; a native package names it changelog.gz), dated by the
# last commit so rebuilds match.
changelog() {
  printf 'castd (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' "$version" \
    "$(git -C "$root" rev-parse --short HEAD)" "$(sed -n 's/^Maintainer: //p' "$here/control.in")" \
    "$(git -C "$root" log -1 --format=%aD)"
}

# control TREE: the control file, with the shared-library dependencies dpkg-shlibdeps finds in the ELF files.
control() {
  local tree="$1" elves=() file depends
  while IFS= read -r -d '' file; do
    [[ "$(head -c 4 "$file" | tr -d '\0')" == $'\x7fELF' ]] && elves+=("-e$file")
  done < <(find "$tree/usr/lib/castd" -type f -print0)
  mkdir -p "$work/shlibs/debian"
  printf 'Source: castd\n\nPackage: castd\nArchitecture: amd64\n' > "$work/shlibs/debian/control"
  depends="$(cd "$work/shlibs" && dpkg-shlibdeps -O "${elves[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')"
  [[ -n "$depends" ]] || fail "dpkg-shlibdeps found no dependencies"
  sed -e "s/@VERSION@/$version/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@INSTALLED_SIZE@/$(du -s --apparent-size --block-size=1024 --exclude=DEBIAN "$tree" | cut -f1)/" "$here/control.in"
}

tree="$work/tree-$default_r2r"
stage "$default_r2r" "$tree"
echo "published and staged (ReadyToRun=$default_r2r) in $((SECONDS - started)) s" >&2
if $compare; then
  other=$([[ $default_r2r == true ]] && echo false || echo true)
  stage "$other" "$work/tree-$other"
  default_s="$(python3 "$here/startup.py" "$tree")"
  other_s="$(python3 "$here/startup.py" "$work/tree-$other")"
  echo "start-up to READY=1, median of 5: ReadyToRun=$default_r2r ${default_s} s, ReadyToRun=$other ${other_s} s" >&2
  if python3 -c "import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))" "$other_s" "$default_s"; then
    echo "build.sh: ReadyToRun=$other is faster here: packaging it (and change default_r2r)" >&2
    tree="$work/tree-$other"
  fi
fi

out="$here/out"
mkdir -p "$out"
deb="$out/castd_${version}_amd64.deb"
heavy dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
echo "$(du -h "$deb" | cut -f1), $(du -sh --exclude=DEBIAN "$tree" | cut -f1) installed, in $((SECONDS - started)) s" >&2
echo "$deb"
