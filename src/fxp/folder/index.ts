/** Folder jobs: plan, queue of parallel FXP pairs, journal, compare, one-to-many. No VS Code here. */
export * from './glob';
export * from './rules';
export * from './retry';
export * from './progress';
export * from './tree';
export * from './plan';
export * from './journal';
export * from './queue';
export * from './job';
export * from './compare';
export * from './oneToMany';
