#!/usr/bin/env bash
# The package's fast suite (CI runs it from scripts/test.sh): builds the .deb (or takes the one given), checks its
# metadata and layout with dpkg-deb, runs lintian (no errors allowed), systemd-analyze verify (no output allowed) and
# security (exposure <= 2.0) on the units, then the notify protocol and socket activation with the packaged binaries
# (notify_test.py).
#   packaging/deb/test.sh [castd_<version>_amd64.deb]
# Installs lintian, python3 and systemd (for systemd-analyze) from Debian if missing. The real systemd suite is
# test-systemd.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

need_packages lintian=lintian python3=python3 systemd-analyze=systemd
deb="${1:-$("$here/build.sh" | tail -1)}"
[[ -f "$deb" ]] || fail "no package at $deb"
tree="$(mktemp -d /tmp/castd-deb-test.XXXXXX)"
trap 'rm -rf "$tree"' EXIT
dpkg-deb --extract "$deb" "$tree"
dpkg-deb --control "$deb" "$tree/DEBIAN"

# Metadata: the project's version, amd64, the shared-library dependencies, the maintainer scripts and conffile.
info="$(dpkg-deb --info "$deb")"
for field in "Package: castd" "Version: $(project_version "$root")" "Architecture: amd64" "Depends: libc6 (>= "; do
  grep -qF " $field" <<<"$info" || fail "dpkg-deb --info lacks '$field'"
done
for script in postinst prerm postrm conffiles md5sums; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +[* ] +$script( |$)" <<<"$info" || fail "no $script in the control archive"
done
[[ "$(cat "$tree/DEBIAN/conffiles")" == /etc/castd/castd.conf ]] || fail "conffiles is not /etc/castd/castd.conf"
(cd "$tree" && md5sum --check --quiet DEBIAN/md5sums) || fail "md5sums do not match the files"
echo "dpkg-deb --info: castd $(project_version "$root") amd64, $(sed -n 's/^ Depends: //p' <<<"$info")"

# Layout (dpkg-deb --contents: mode owner size date time path [-> target]).
contents="$(dpkg-deb --contents "$deb")"
awk '$2 != "root/root" { bad = 1 } END { exit bad }' <<<"$contents" || fail "a file not owned by root/root"
paths="$(awk '{ print $6 ($7 == "->" ? " -> " $8 : "") }' <<<"$contents")"
for path in ./usr/lib/castd/castd ./usr/lib/castd/castload ./usr/lib/castd/librocksdb.so ./usr/lib/castd/castd.dll \
  "./usr/bin/castd -> ../lib/castd/castd" "./usr/bin/castload -> ../lib/castd/castload" ./etc/castd/castd.conf \
  ./lib/systemd/system/castd.service ./lib/systemd/system/castd.socket ./usr/share/doc/castd/copyright ./usr/share/doc/castd/changelog.gz \
  ./usr/share/doc/castd/README.md.gz ./usr/share/man/man1/castd.1.gz ./usr/share/castd/sysctl/90-castd.conf \
  ./usr/share/lintian/overrides/castd \
  $(cd "$root/packaging" && find grafana -type f -printf './usr/share/castd/%p\n') \
  $(cd "$root" && find docs -name '*.md' -printf './usr/share/doc/castd/%p.gz\n'); do
  grep -qxF "$path" <<<"$paths" || fail "the package lacks $path"
done
for path in ./usr/lib/castd/librocksdb-musl.so ./usr/lib/castd/librocksdb-jemalloc.so ./etc/sysctl.d/; do
  ! grep -qF "$path" <<<"$paths" || fail "the package must not contain $path"
done
grep -E '^-rwxr-xr-x' <<<"$contents" | awk '{ print $6 }' | grep -vxE '\./usr/lib/castd/(castd|castload|createdump)' \
  && fail "executable bits beyond castd, castload and createdump"
echo "dpkg-deb --contents: $(wc -l <<<"$paths") entries, the layout of issue 8"

# castd.conf lists every setting `castd --help` prints, commented out, with the default the help shows.
settings=0
while read -r name default; do
  grep -qxF "#$name=$default" "$tree/etc/castd/castd.conf" || fail "castd.conf lacks '#$name=$default'"
  settings=$((settings + 1))
done < <("$tree/usr/lib/castd/castd" --help | sed -nE 's/^  ([A-Z][A-Z0-9_]+) .*\[default: (.*)\]$/\1 \2/p; t; s/^  ([A-Z][A-Z0-9_]+) .*/\1/p')
((settings > 20)) || fail "castd --help listed only $settings settings"
! grep -qE '^[A-Z]' "$tree/etc/castd/castd.conf" || fail "castd.conf sets something: every line must be commented out"
grep -qE '^-rw------- root/root .* \./etc/castd/castd\.conf$' <<<"$contents" || fail "castd.conf is not 0600: it may hold secrets"
echo "castd.conf: all $settings settings of castd --help, commented out, with their defaults, readable by root only"

# lintian: errors fail, kept warnings are listed (the overrides file says why for the ones silenced).
lintian_out="$(heavy lintian --fail-on none "$deb" 2>&1 | grep -v '^running with root privileges is not recommended!$' || true)"
grep -E '^E: ' <<<"$lintian_out" && fail "lintian reports errors"
echo "lintian: no errors, $(grep -c '^W: ' <<<"$lintian_out" || true) warnings${lintian_out:+:}"
grep -E '^W: ' <<<"$lintian_out" || true

# The units as shipped, ExecStart pointed at the extracted binary (verify needs it to exist): not a word back.
sed "s|^ExecStart=/usr/bin/castd|ExecStart=$tree/usr/bin/castd|" "$tree/lib/systemd/system/castd.service" > "$tree/castd.service"
cp "$tree/lib/systemd/system/castd.socket" "$tree/"
verify="$(cd "$tree" && systemd-analyze verify --man=no "$tree/castd.service" "$tree/castd.socket" 2>&1)" \
  || fail "systemd-analyze verify failed: $verify"
[[ -z "$verify" ]] || fail "systemd-analyze verify said: $verify"
score="$(systemd-analyze security --offline=yes "$tree/lib/systemd/system/castd.service" 2>&1 \
  | sed -n 's/.*Overall exposure level for castd.service: \([0-9.]*\).*/\1/p')"
[[ -n "$score" ]] || fail "systemd-analyze security printed no exposure level"
python3 -c "import sys; sys.exit(float(sys.argv[1]) > 2.0)" "$score" || fail "exposure $score > 2.0"
echo "systemd-analyze verify: no output; security --offline=yes: exposure $score"

python3 "$here/notify_test.py" "$tree"
echo "packaging test passed in $((SECONDS - started)) s"
