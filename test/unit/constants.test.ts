import * as assert from 'assert';
import { readFileSync } from 'fs';
import { join } from 'path';
import {
  CATEGORY, COMMANDS, CONTAINER, CONTEXT_KEYS, CONTEXT_VALUES, SETTING_IDS, TREE_COMMANDS, VIEWS,
} from '../../src/constants';

interface Command { command: string; title: string; category?: string; icon?: string }
interface MenuItem { command: string; when?: string; group?: string }

const root = join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const contributes = pkg.contributes;
const contributed: Command[] = contributes.commands;
const menus: Record<string, MenuItem[]> = contributes.menus;
const whenClauses: string[] = [
  ...Object.values(menus).flat().map(m => m.when ?? ''),
  ...contributes.viewsWelcome.map((w: { when?: string }) => w.when ?? ''),
  ...contributes.keybindings.map((k: { when?: string }) => k.when ?? ''),
];

const sorted = (values: Iterable<string>) => [...values].sort();
const paletteIds = Object.values(COMMANDS);
const treeIds = Object.values(TREE_COMMANDS);

describe('package.json contributions match src/constants.ts', () => {
  it('contributes exactly the commands the constants module names, both ways', () => {
    assert.deepStrictEqual(sorted(contributed.map(c => c.command)), sorted([...paletteIds, ...treeIds]));
  });

  it('puts every command under the category "FXP" with a title', () => {
    for (const c of contributed) {
      assert.strictEqual(c.category, CATEGORY, c.command);
      assert.ok(c.title.trim(), c.command);
    }
  });

  it('hides tree-only commands from the palette and only those', () => {
    const hidden = menus.commandPalette!.filter(m => m.when === 'false').map(m => m.command);
    assert.deepStrictEqual(sorted(hidden), sorted(treeIds));
  });

  it('menus, keybindings and welcome links refer only to contributed commands', () => {
    const known = new Set(contributed.map(c => c.command));
    const used = [
      ...Object.values(menus).flat().map(m => m.command),
      ...contributes.keybindings.map((k: { command: string }) => k.command),
      ...contributes.viewsWelcome.flatMap((w: { contents: string }) => [...w.contents.matchAll(/\(command:(fxp\.[\w.]+)/g)].map(m => m[1]!)),
    ];
    assert.deepStrictEqual(used.filter(id => !known.has(id)), []);
  });

  it('declares the view container and the two views of the constants module, both ways', () => {
    assert.deepStrictEqual(contributes.viewsContainers.activitybar.map((c: { id: string }) => c.id), [CONTAINER]);
    assert.deepStrictEqual(sorted(contributes.views[CONTAINER].map((v: { id: string }) => v.id)), sorted(Object.values(VIEWS)));
    assert.deepStrictEqual(sorted(new Set(contributes.viewsWelcome.map((w: { view: string }) => w.view))), sorted(Object.values(VIEWS)));
  });

  it('the container icon is an SVG that exists in media/', () => {
    const icon: string = contributes.viewsContainers.activitybar[0].icon;
    assert.match(icon, /^media\/.+\.svg$/);
    assert.match(readFileSync(join(root, icon), 'utf8'), /<svg[\s>]/);
  });

  it('declares exactly the settings of the constants module, each with type, default, scope and markdownDescription', () => {
    const properties: Record<string, Record<string, unknown>> = contributes.configuration.properties;
    assert.deepStrictEqual(sorted(Object.keys(properties)), sorted(SETTING_IDS));
    for (const [id, schema] of Object.entries(properties)) {
      for (const field of ['type', 'default', 'scope', 'markdownDescription']) assert.ok(schema[field] !== undefined, `${id}.${field}`);
    }
  });

  it('when clauses use only context keys from the constants module, and every context key is used', () => {
    const ids = new Set<string>([...paletteIds, ...treeIds, ...Object.values(VIEWS), ...Object.values(CONTEXT_VALUES), ...SETTING_IDS]);
    const keys = new Set(Object.values(CONTEXT_KEYS));
    const used = new Set(whenClauses.flatMap(w => [...w.matchAll(/\bfxp\.[A-Za-z.]+[A-Za-z]/g)].map(m => m[0])));
    const unknown = [...used].filter(token => !keys.has(token as never) && !ids.has(token));
    assert.deepStrictEqual(unknown, []);
    assert.deepStrictEqual([...keys].filter(key => !used.has(key)), []);
  });

  it('viewItem clauses match the context values of the constants module, and every entry value has a menu', () => {
    const values = Object.values(CONTEXT_VALUES) as string[];
    for (const when of whenClauses) {
      for (const m of when.matchAll(/viewItem == ([\w.]+)/g)) assert.ok(values.includes(m[1]!), `unknown viewItem ${m[1]}`);
      for (const m of when.matchAll(/viewItem =~ \/(.+?)\//g)) {
        const re = new RegExp(m[1]!);
        assert.ok(values.some(v => re.test(v)), `viewItem pattern ${m[1]} matches no context value`);
      }
    }
    const itemWhens = menus['view/item/context']!.map(m => m.when ?? '');
    for (const value of [CONTEXT_VALUES.file, CONTEXT_VALUES.folder, CONTEXT_VALUES.link]) {
      const matched = itemWhens.some(w => w.includes(`viewItem == ${value}`) || [...w.matchAll(/viewItem =~ \/(.+?)\//g)].some(m => new RegExp(m[1]!).test(value)));
      assert.ok(matched, `no context menu for ${value}`);
    }
  });

  it('declares limited support for untrusted workspaces, restricting the site settings', () => {
    const untrusted = pkg.capabilities.untrustedWorkspaces;
    assert.strictEqual(untrusted.supported, 'limited');
    assert.deepStrictEqual(sorted(untrusted.restrictedConfigurations), sorted(SETTING_IDS));
  });

  it('the settings schema has no place for a password', () => {
    const text = JSON.stringify(contributes.configuration.properties);
    assert.doesNotMatch(text, /"pass(word)?"\s*:/i);
    for (const id of SETTING_IDS) assert.strictEqual(contributes.configuration.properties[id].items.additionalProperties, false, id);
  });
});
