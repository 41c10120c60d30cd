/** Answers the extension's prompts by rules, and reads back how a command failed. */
import * as assert from 'assert';
import type { PromptAnswer, PromptRequest } from '../../src/prompts';
import type { ExtensionApi } from '../../src/services';
import { logFile, read, waitFor } from './host';

export type Rule = [test: (request: PromptRequest) => boolean, answer: PromptAnswer | (() => PromptAnswer)];

/** The first rule whose test matches answers; no rule: Escape. */
export function answer(fxp: ExtensionApi, rules: Rule[]): void {
  fxp.prompts.answerWith(request => {
    const rule = rules.find(([test]) => test(request));
    const value = rule?.[1];
    return typeof value === 'function' ? value() : value;
  });
}

/** Answers from the list, one after the other (the last one stays). */
export function inTurn(...answers: PromptAnswer[]): () => PromptAnswer {
  return () => (answers.length > 1 ? answers.shift() : answers[0]);
}

export const input = (prompt: RegExp) => (r: PromptRequest) => r.kind === 'input' && !r.password && prompt.test(r.prompt ?? '');
export const passwordInput = (r: PromptRequest) => r.kind === 'input' && r.password;
export const pick = (text: RegExp) => (r: PromptRequest) => r.kind === 'pick' && text.test(`${r.title ?? ''} | ${r.placeHolder ?? ''}`);
export const message = (text: RegExp) => (r: PromptRequest) => r.kind === 'message' && text.test(r.message);

/** Lines "< id failed [n ms]: message" of the FXP log. */
async function failures(fxp: ExtensionApi, id: string): Promise<string[]> {
  const marker = `< ${id} failed `;
  return read(await logFile(fxp)).split('\n').filter(line => line.includes(marker)).map(line => line.slice(line.indexOf(marker)));
}

/** Runs `fn` (a command that must fail) and returns the failure message the command wrapper logged and showed. */
export async function failureOf(fxp: ExtensionApi, id: string, fn: () => Thenable<unknown> | Promise<unknown>): Promise<string> {
  const before = (await failures(fxp, id)).length;
  const result = await fn();
  assert.strictEqual(result, undefined, `${id} failed (a failed command returns undefined)`);
  const after = await waitFor(`${id}'s failure in the log`, async () => {
    const lines = await failures(fxp, id);
    return lines.length > before ? lines : undefined;
  });
  return after[after.length - 1]!.replace(/^< \S+ failed \[\d+ ms\]: /, '');
}
