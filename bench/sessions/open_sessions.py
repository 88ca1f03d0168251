#!/usr/bin/env python3
"""Registers users or opens sessions quickly over one keep-alive connection: open_sessions.py PORT register|put PREFIX COUNT."""
import http.client
import sys

port, action, prefix, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
connection = http.client.HTTPConnection("127.0.0.1", port)
for i in range(count):
    if action == "register":
        connection.request("POST", "/register", body=f"{prefix}{i}")
    else:
        connection.request("PUT", f"/streaming?account={prefix}{i}&streamId=tv")
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"{action} {prefix}{i}: HTTP {response.status}")
