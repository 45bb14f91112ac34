// The systemd unit a double runs as on a lab host: its own [Unit] lines, then the same service
// (restarted when it exits, started at boot) for every double.

/** `unit` holds the [Unit] section's lines; `execStart` must already be words systemd reads as meant. */
export function serviceUnit(unit: string[], execStart: string): string {
  return [
    '[Unit]',
    ...unit,
    '',
    '[Service]',
    `ExecStart=${execStart}`,
    'Restart=always',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
