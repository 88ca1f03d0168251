# Sourced by the reliability runs that need only castd, castload and matplotlib: installs matplotlib from Debian if
# missing, builds both (Release), and sets $python to the Python that has it.
python=/usr/bin/python3
if ! $python -c "import matplotlib" 2>/dev/null; then
  [[ -n "$(ls /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial -e auxfiles)" ]] || apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 python3-matplotlib >/dev/null
fi
# One build at a time on this machine (CASTD_BUILD_LOCK= skips the lock when the caller holds it).
lock=${CASTD_BUILD_LOCK-/tmp/castd-build.lock}
${lock:+flock "$lock"} dotnet build -c Release -v quiet -nologo src/Daemon/Daemon.csproj >&2
${lock:+flock "$lock"} dotnet build -c Release -v quiet -nologo src/Castload/Castload.csproj >&2
