#!/bin/sh
# On removal (not on upgrade) stop the service. The database under
# /var/lib/kallelse is the clinic's memory and is never removed here.
set -e
case "$1" in
	remove|0)
		if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
			systemctl disable --now kallelse || true
		fi
		;;
esac
