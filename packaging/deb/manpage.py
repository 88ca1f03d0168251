"""Writes a man page (roff) from a command's --help text on stdin: lintian wants one for every command in /usr/bin,
and `man castd` is where an operator looks first. Usage: manpage.py NAME SUMMARY VERSION"""
import sys

name, summary, version = sys.argv[1:]


def roff(line):
    # Backslashes are roff escapes, and a line starting with . or ' would be a request.
    line = line.replace("\\", "\\e")
    return "\\&" + line if line.startswith((".", "'")) else line


print(f'.TH {name.upper()} 1 "" "{name} {version}" "User Commands"')
print(".SH NAME")
print(f"{name} \\- {summary}")
print(".SH DESCRIPTION")
print(".nf")
for line in sys.stdin.read().splitlines():
    print(roff(line))
print(".fi")
print(".SH SEE ALSO")
print("/usr/share/doc/castd/README.md.gz, /etc/castd/castd.conf, castd.service")
