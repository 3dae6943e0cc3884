#!/bin/sh
# The system user that owns the database, the spool folders and the host key.
set -e
if ! getent group kallelse >/dev/null; then
	groupadd --system kallelse
fi
if ! getent passwd kallelse >/dev/null; then
	useradd --system --gid kallelse --home-dir /var/lib/kallelse --no-create-home \
		--shell /usr/sbin/nologin --comment "Kallelse server" kallelse
fi
