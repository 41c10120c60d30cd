/** The environment variable through which launch.ts tells restricted.spec.ts where the workspace's own server listens. */
export const LURE_ENV = 'FXP_TEST_LURE';

export const LURE_PASSWORD = 'lure-password';

/** The password of the user-settings site restricted.spec.ts opens. */
export const USER_SITE_PASSWORD = 'restricted-mode-secret';
