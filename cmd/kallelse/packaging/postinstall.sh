#!/bin/sh
# Ownership and modes: the database and the spool hold patient data (0700),
# the configuration names the staff (readable by the service, not by all).
set -e
install -d -m 0700 -o kallelse -g kallelse /var/lib/kallelse
chown root:kallelse /etc/kallelse /etc/kallelse/config.toml
chmod 0750 /etc/kallelse
chmod 0640 /etc/kallelse/config.toml
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	if systemctl is-active --quiet kallelse; then
		systemctl try-restart kallelse
	else
		echo "kallelse: add the staff to /etc/kallelse/config.toml, then: systemctl enable --now kallelse"
	fi
fi
