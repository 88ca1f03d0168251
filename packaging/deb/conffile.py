"""Writes /etc/castd/castd.conf from `castd --help` on stdin: every setting castd reads, with its default, commented
out. Generated, so the file cannot miss a setting the binary knows; fails if the help text has none."""
import re
import sys

# "  NAME  description [default: value]", as Settings.HelpText prints it.
SETTING = re.compile(r"^  ([A-Z][A-Z0-9_]+)\s+(.*?)(?: \[default: (.*)\])?$")

settings = [m.groups() for m in map(SETTING.match, sys.stdin.read().splitlines()) if m]
if not settings:
    sys.exit("conffile.py: no settings in the castd --help text on stdin")

print("""# castd settings: an environment file (KEY=value, one a line) that castd.service reads.
# Every setting castd knows is listed with its default, commented out. Uncomment and change a line, then
#   systemctl restart castd
# Under systemd, castd keeps its data in $STATE_DIRECTORY (/var/lib/castd), whatever CASTD_DATA_DIR says.
# `castd --help` prints the same list; `castd doctor` checks the kernel limits against it.""")
for name, description, default in settings:
    print(f"\n# {description}\n#{name}={default or ''}")
