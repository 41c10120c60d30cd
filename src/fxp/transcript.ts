/** The engine's only way to speak: the caller decides where lines go (output channel, stderr, test buffer). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type Logger = ((level: LogLevel, message: string) => void) & {
  /**
   * Whether lines of this level go anywhere. When it says no, the engine does not build them at all (a
   * transcript line per command and per reply, thousands per folder job). Absent: every level is built.
   */
  enabled?: (level: LogLevel) => boolean;
};

/** Whether `logger` wants lines of `level` (see Logger.enabled). */
export function logs(logger: Logger, level: LogLevel): boolean {
  return logger.enabled === undefined || logger.enabled(level);
}

export const silentLogger: Logger = Object.assign(() => undefined, { enabled: () => false });

const SECRET_COMMANDS = /^(PASS|ACCT)\s.*$/i;

/** Masks PASS/ACCT arguments and any known secret anywhere in a line. */
export function maskSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line.replace(SECRET_COMMANDS, (_m, cmd: string) => `${cmd.toUpperCase()} ****`);
  for (const secret of secrets) {
    if (secret.length >= 3 && out.includes(secret)) out = out.split(secret).join('****');
  }
  return out;
}
