/** The FXP engine: no VS Code here, ever. */
export * from './errors';
export * from './site';
export * from './transcript';
export * from './parse';
export * from './address';
export * from './listing';
export { FxpEngine, DEFAULT_TIMEOUTS, type EngineOptions, type Listing } from './engine';
export { FtpConnection, detectServerMake, normalizeFingerprint, type ServerMake } from './connection';
export type { CopyOptions, CopyResult, AttemptRecord, RelayMode } from './copy';
export type { Orientation } from './fxpAttempt';
export type { Verification } from './verify';
export { doctor, type DoctorReport } from './doctor';
export { describeChannel, planAttempts, type DataChannel, type DataProtection } from './tlsPlan';
export * from './folder';
