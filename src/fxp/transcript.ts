/** The engine's only way to speak: the caller decides where lines go (output channel, stderr, test buffer). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

export const silentLogger: Logger = () => undefined;

const SECRET_COMMANDS = /^(PASS|ACCT)\s.*$/i;

/** Masks PASS/ACCT arguments and any known secret anywhere in a line. */
export function maskSecrets(line: string, secrets: readonly string[] = []): string {
  let out = line.replace(SECRET_COMMANDS, (_m, cmd: string) => `${cmd.toUpperCase()} ****`);
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join('****');
  }
  return out;
}
